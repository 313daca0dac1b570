"""Mutant: make_loaders hard-codes the tutorial's batch size of 4 and ignores its argument."""

from reference import *
from reference import part3


def make_loaders(root, batch_size=4):
    return part3.make_loaders(root, 4)
