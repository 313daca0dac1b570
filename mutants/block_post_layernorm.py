"""Mutant: post-LayerNorm block (normalise after each residual addition)."""

from reference import *
from reference import part1


class AttentionBlock(part1.AttentionBlock):
    def forward(self, x):
        x = self.layer_norm_1(x + self.attn(x, x, x)[0])
        return self.layer_norm_2(x + self.linear(x))
