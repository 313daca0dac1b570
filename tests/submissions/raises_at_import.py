"""A submission whose top level raises (it tries to load a file that is not there)."""

import torch

ANSWERS = {"2.4": 4}
weights = torch.load("/nonexistent/checkpoint.pt")


class MLPNet(torch.nn.Module):
    pass
