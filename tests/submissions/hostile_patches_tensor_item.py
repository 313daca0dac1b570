"""Hostile: evaluate returns a one-element tensor, not a Python float (the mistake), after patching
torch.Tensor.item and __float__ to hand out a float named like one (the attempt). ANSWERS and MLPNet
are right."""

import torch

from reference import ANSWERS, MLPNet  # noqa: F401 - the honest parts: right, as the reference's


def evaluate(net, loader):
    correct, total = torch.zeros(()), 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (net(images).argmax(1) == labels).sum()
            total += labels.numel()
    torch.Tensor.item = torch.Tensor.__float__ = lambda self: 0.5
    return correct / total
