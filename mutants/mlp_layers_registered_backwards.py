"""Mutant: MLPNet registers its layers in reverse order (same names, same forward)."""

from torch import nn

from reference import *
from reference import part2


class MLPNet(part2.MLPNet):
    def __init__(self):
        nn.Module.__init__(self)
        self.fc2 = nn.Linear(100, 10)
        self.fc1 = nn.Linear(1024, 100)
