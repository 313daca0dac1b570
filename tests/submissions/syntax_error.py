"""A submission that does not parse."""

class MLPNet(nn.Module)
    pass
