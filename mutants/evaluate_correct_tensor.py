"""Mutant: `correct` is accumulated as a tensor, so evaluate returns a tensor (a planted bug)."""

import torch

from reference import *


def evaluate(net, loader):
    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            predicted = net(images).argmax(dim=1)
            total += labels.size(0)
            correct += (predicted == labels).sum()
    return correct / total
