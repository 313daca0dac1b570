"""Mutant: the training split is transformed once, when it is built."""

import torch
import torchvision
from torch.utils.data import TensorDataset

from reference import *
from reference import part1


def make_cifar10_splits(root, seed=42):
    base = torchvision.datasets.CIFAR10(root=str(root), train=True, download=False)
    order = torch.randperm(len(base), generator=torch.Generator().manual_seed(seed)).tolist()
    train = order[:part1.TRAIN_SIZE]
    images = torch.stack([part1.train_transform(base[i][0]) for i in train])
    train_set = TensorDataset(images, torch.tensor([base.targets[i] for i in train]))
    val_set = part1.TransformedSubset(base, order[part1.TRAIN_SIZE:], part1.test_transform)
    test_set = torchvision.datasets.CIFAR10(root=str(root), train=False, transform=part1.test_transform)
    return train_set, val_set, test_set
