"""Mutant: the train and test flags of make_loaders are swapped (a planted bug of the problem set)."""

import torchvision
from torch.utils.data import DataLoader

from reference import *
from reference import part3


def make_loaders(root, batch_size=4):
    train_set = torchvision.datasets.CIFAR10(root=str(root), train=False, transform=part3.transform)
    test_set = torchvision.datasets.CIFAR10(root=str(root), train=True, transform=part3.transform)
    return (DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=2),
            DataLoader(test_set, batch_size=batch_size, shuffle=False, num_workers=2))
