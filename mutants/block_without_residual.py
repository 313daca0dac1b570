"""Mutant: the block without its residual connections."""

from reference import *
from reference import part1


class AttentionBlock(part1.AttentionBlock):
    def forward(self, x):
        normed = self.layer_norm_1(x)
        x = self.attn(normed, normed, normed)[0]
        return self.linear(self.layer_norm_2(x))
