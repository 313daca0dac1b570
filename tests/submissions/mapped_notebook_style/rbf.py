"""A helper module the main file imports: submissions may span several files."""

import torch
from torch import nn


class RBF(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.centres = nn.Parameter(torch.randn(n_out, n_in))

    def forward(self, x):
        return ((x[..., None, :] - self.centres) ** 2).sum(-1)
