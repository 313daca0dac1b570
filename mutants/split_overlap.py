"""Mutant: train and val from two independent random splits (they overlap)."""

import torch
import torchvision
from torch.utils.data import random_split

from reference import *
from reference import part1


def make_cifar10_splits(root, seed=42):
    train_full = torchvision.datasets.CIFAR10(root=str(root), train=True, transform=part1.train_transform)
    val_full = torchvision.datasets.CIFAR10(root=str(root), train=True, transform=part1.test_transform)
    train_set, _ = random_split(train_full, [45_000, 5_000], generator=torch.Generator().manual_seed(seed))
    _, val_set = random_split(val_full, [45_000, 5_000], generator=torch.Generator().manual_seed(seed + 1))
    test_set = torchvision.datasets.CIFAR10(root=str(root), train=False, transform=part1.test_transform)
    return train_set, val_set, test_set
