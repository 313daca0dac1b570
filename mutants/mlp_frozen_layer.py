"""Mutant: MLPNet's first layer is frozen."""

from reference import *
from reference import part2


class MLPNet(part2.MLPNet):
    def __init__(self):
        super().__init__()
        self.fc1.requires_grad_(False)
