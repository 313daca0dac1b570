"""Mutant: MLPNet scales its flattened input by a per-pixel constant (all ones) kept as a plain tensor
attribute, not a registered buffer: `.to("cuda")` leaves it behind and MLPNet fails on CUDA. Only
the GPU tier's agreement spec catches it."""

import torch
import torch.nn.functional as F

from reference import *
from reference import part2


class MLPNet(part2.MLPNet):
    def __init__(self):
        super().__init__()
        self.pixel_scale = torch.ones(32 * 32)

    def forward(self, x):
        x = x.flatten(start_dim=-2) * self.pixel_scale
        return self.fc2(F.relu(self.fc1(x)))
