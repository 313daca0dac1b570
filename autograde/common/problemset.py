"""The problem set's published numbers: what the handout states, so the spec, the student kit and
the reference share them without the spec importing the reference (the kit ships no reference).

The reference imports these; it does not restate them (one home for each fact).
"""

from __future__ import annotations

from typing import Any

# Part 1: CIFAR-10's per-channel statistics, the 45,000 / 5,000 split of its training images.
DATA_MEANS = (0.49139968, 0.48215841, 0.44653091)
DATA_STD = (0.24703223, 0.24348513, 0.26158784)
TRAIN_SIZE, VAL_SIZE = 45_000, 5_000
# The UvA tutorial's ViT configuration (3,195,146 parameters) and learning rate.
UVA_CONFIG: dict[str, Any] = {
    "embed_dim": 256, "hidden_dim": 512, "num_heads": 8, "num_layers": 6, "patch_size": 4,
    "num_channels": 3, "num_patches": 64, "num_classes": 10, "dropout": 0.2,
}
UVA_LR = 3e-4
# A ViT that trains on a CPU in minutes (16 patches of 8x8, 4 heads, 2 blocks): `pset3 train vit --small`.
SMALL_CONFIG: dict[str, Any] = {
    "embed_dim": 64, "hidden_dim": 128, "num_heads": 4, "num_layers": 2, "patch_size": 8,
    "num_channels": 3, "num_patches": 16, "num_classes": 10, "dropout": 0.1,
}
# The smallest ViT that runs every code path (2 heads, 1 block): for quick tests of the plumbing around it.
TINY_CONFIG: dict[str, Any] = {
    "embed_dim": 16, "hidden_dim": 32, "num_heads": 2, "num_layers": 1, "patch_size": 8,
    "num_channels": 3, "num_patches": 16, "num_classes": 10, "dropout": 0.0,
}

# Part 2, question 2.1: the steps of one SGD iteration at which the handout asks about fc1.weight.
LIFECYCLE_STEPS = {
    "a": "a fresh net",
    "b": "after optimizer.zero_grad()",
    "c": "after forward and loss",
    "d": "after loss.backward()",
    "e": "after optimizer.step()",
}
