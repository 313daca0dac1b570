"""Mutant: CifarNet adds a class-prior offset (zeros) kept as a plain tensor attribute, not a
registered buffer: `.to("cuda")` leaves it behind and CifarNet fails on CUDA. Only the GPU tier's
agreement spec catches it."""

import torch

from reference import *
from reference import part3


class CifarNet(part3.CifarNet):
    def __init__(self):
        super().__init__()
        self.class_prior = torch.zeros(10)

    def forward(self, x):
        return super().forward(x) + self.class_prior
