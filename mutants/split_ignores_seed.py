"""Mutant: the split is drawn from the global RNG; `seed` is ignored."""

import torch
import torchvision

from reference import *
from reference import part1


def make_cifar10_splits(root, seed=42):
    base = torchvision.datasets.CIFAR10(root=str(root), train=True, download=False)
    order = torch.randperm(len(base)).tolist()
    train_set = part1.TransformedSubset(base, order[:part1.TRAIN_SIZE], part1.train_transform)
    val_set = part1.TransformedSubset(base, order[part1.TRAIN_SIZE:], part1.test_transform)
    test_set = torchvision.datasets.CIFAR10(root=str(root), train=False, transform=part1.test_transform)
    return train_set, val_set, test_set
