"""A submission with Part 2's MLP questions done and the LeNets missing."""

import torch
from torch import nn

from reference import ANSWERS  # noqa: F401 - right, as the reference's


class MLPNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(1024, 100)
        self.relu = nn.ReLU()
        self.out = nn.Linear(100, 10)

    def forward(self, x):
        return self.out(self.relu(self.hidden(torch.flatten(x, -2))))


def helper_not_in_the_contract():
    return 1
