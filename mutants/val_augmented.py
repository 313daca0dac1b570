"""Mutant: validation images go through the training augmentation."""

from reference import *
from reference import part1


def make_cifar10_splits(root, seed=42):
    train_set, val_set, test_set = part1.make_cifar10_splits(root, seed)
    val_set.transform = part1.train_transform
    return train_set, val_set, test_set
