"""Mutant: LeNetSequential subtracts a mean image (zeros until one is computed) kept as a plain tensor
attribute, not a registered buffer: `.to("cuda")` leaves it behind and the net fails on CUDA. Only
the GPU tier's agreement spec catches it."""

import torch

from reference import *
from reference import part2


class LeNetSequential(part2.LeNetSequential):
    def __init__(self):
        super().__init__()
        self.mean_image = torch.zeros(1, 1, 32, 32)

    def forward(self, x):
        x, unbatched = part2._as_batch(x)
        out = self.layers(x - self.mean_image)
        return out[0] if unbatched else out
