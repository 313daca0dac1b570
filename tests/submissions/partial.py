"""A submission with Part 2's MLP questions done and the LeNets missing."""

import torch
from torch import nn

ANSWERS = {
    "2.1a": (True, False),
    "2.1b": (True, False),
    "2.1c": (True, False),
    "2.1d": (True, True),
    "2.1e": (False, True),
    "2.4": 4,
    "2.5": (10, 100),
}


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
