# 2.7: the same LeNet with nn.Sequential (no __init__.py in this folder, it's fine on python 3)
import torch.nn as nn

from ..layers import Gaussian


def _lenet_body():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        Gaussian(84, 10),
    )


class LeNetSequential(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = _lenet_body()

    def forward(self, x):
        if x.dim() == 2:
            return self.net(x[None, None])[0]
        return self.net(x)
