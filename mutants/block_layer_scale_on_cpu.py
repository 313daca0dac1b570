"""Mutant: the block scales its attention branch by a LayerScale kept as a plain tensor attribute
(all ones, so the CPU numbers are the reference's), not a registered buffer: `.to("cuda")` leaves it
on the CPU and the block fails on CUDA. Only the GPU tier's agreement spec catches it."""

import torch

from reference import *
from reference import part1


class AttentionBlock(part1.AttentionBlock):
    def __init__(self, embed_dim, hidden_dim, num_heads, dropout=0.0):
        super().__init__(embed_dim, hidden_dim, num_heads, dropout)
        self.layer_scale = torch.ones(embed_dim)

    def forward(self, x):
        normed = self.layer_norm_1(x)
        x = x + self.layer_scale * self.attn(normed, normed, normed)[0]
        return x + self.linear(self.layer_norm_2(x))
