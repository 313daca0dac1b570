"""Mutant: the head classifies the last token."""

import torch

from reference import *
from reference import part1


class VisionTransformer(part1.VisionTransformer):
    def forward(self, x):
        x = self.input_layer(part1.img_to_patch(x, self.patch_size))
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = self.dropout(x + self.pos_embedding[:, :x.shape[1]])
        x = self.transformer(x.transpose(0, 1))
        return self.mlp_head(x[-1])
