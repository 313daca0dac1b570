"""A submission whose dataset code downloads CIFAR-10 to a folder of its own choosing."""

import torchvision

from reference import *  # everything else right, so only question 1.1 can fail
from reference import part1


def make_cifar10_splits(root, seed=42):
    torchvision.datasets.CIFAR10("./data", train=True, download=True)
    return part1.make_cifar10_splits(root, seed)
