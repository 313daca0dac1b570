"""Mutant: img_to_patch walks the patches column by column."""

from reference import *


def img_to_patch(x, patch_size, flatten_channels=True):
    B, C, H, W = x.shape
    x = x.reshape(B, C, H // patch_size, patch_size, W // patch_size, patch_size)
    x = x.permute(0, 4, 2, 1, 3, 5).flatten(1, 2)  # W' before H'
    return x.flatten(2, 4) if flatten_channels else x
