"""Mutant: the [CLS] token is repeated over the batch by adding it to `torch.zeros(B, 1, E)`, made on
the CPU: the right numbers there, a device error on CUDA. Only the GPU tier's agreement spec
catches it."""

import torch

from reference import *
from reference import part1


class VisionTransformer(part1.VisionTransformer):
    def forward(self, x):
        x = self.input_layer(part1.img_to_patch(x, self.patch_size))
        B, T, E = x.shape
        cls = torch.zeros(B, 1, E) + self.cls_token
        x = torch.cat([cls, x], dim=1)
        x = self.dropout(x + self.pos_embedding[:, :T + 1])
        x = self.transformer(x.transpose(0, 1))
        return self.mlp_head(x[0])
