"""Mutant: the LightningModule's forward moves its input to the CPU (`x.cpu()`, a leftover from
plotting): nothing changes on the CPU, the model fails on CUDA. Only the GPU tier's agreement spec
catches it."""

from reference import *
from reference import part1


class ViT(part1.ViT):
    def forward(self, x):
        return self.model(x.cpu())
