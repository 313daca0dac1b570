"""Mutant: make_loaders batches 8 images whatever batch_size says."""

from reference import *
from reference import part3


def make_loaders(root, batch_size=4):
    return part3.make_loaders(root, 8)
