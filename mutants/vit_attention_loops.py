"""Mutant: every attention block computes attention one sample, one head and one query token at a
time in Python (the right numbers, the same state_dict), many times slower. Only the speed spec
(--tier all) catches it."""

import torch
import torch.nn.functional as F
from torch import nn

from reference import *
from reference import part1


class LoopedAttentionBlock(part1.AttentionBlock):
    def looped_attention(self, x):
        attn = self.attn
        T, B, E = x.shape
        d = E // attn.num_heads
        q, k, v = F.linear(x, attn.in_proj_weight, attn.in_proj_bias).chunk(3, dim=-1)
        samples = []
        for b in range(B):
            heads = []
            for h in range(attn.num_heads):
                cols = slice(h * d, (h + 1) * d)
                keys, values = k[:, b, cols], v[:, b, cols]
                rows = [torch.softmax(q[t, b, cols] @ keys.T / d**0.5, dim=-1) @ values for t in range(T)]
                heads.append(torch.stack(rows))
            samples.append(torch.cat(heads, dim=-1))
        return attn.out_proj(torch.stack(samples, dim=1))

    def forward(self, x):
        x = x + self.looped_attention(self.layer_norm_1(x))
        return x + self.linear(self.layer_norm_2(x))


class VisionTransformer(part1.VisionTransformer):
    def __init__(self, embed_dim, hidden_dim, num_channels, num_heads, num_layers, num_classes, patch_size,
                 num_patches, dropout=0.0):
        super().__init__(embed_dim, hidden_dim, num_channels, num_heads, num_layers, num_classes, patch_size,
                         num_patches, dropout)
        self.transformer = nn.Sequential(
            *(LoopedAttentionBlock(embed_dim, hidden_dim, num_heads, dropout=dropout) for _ in range(num_layers)))
