"""Mutant: the training loader reads the images in order (a planted bug of the problem set)."""

from torch.utils.data import DataLoader

from reference import *
from reference import part3


def make_loaders(root, batch_size=4):
    train_loader, test_loader = part3.make_loaders(root, batch_size)
    return DataLoader(train_loader.dataset, batch_size=batch_size, shuffle=False, num_workers=2), test_loader
