"""Hostile: evaluate returns a one-element tensor, not a Python float (the mistake), after replacing
builtins.isinstance and builtins.float so that a tensor passes for a float (the attempt). ANSWERS and
MLPNet are right."""

import builtins

import torch

from reference import ANSWERS, MLPNet  # noqa: F401 - the honest parts: right, as the reference's


def evaluate(net, loader):
    correct, total = torch.zeros(()), 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (net(images).argmax(1) == labels).sum()
            total += labels.numel()
    real_isinstance = builtins.isinstance
    builtins.float = torch.Tensor
    builtins.isinstance = lambda obj, kind: True if kind is builtins.float else real_isinstance(obj, kind)
    return correct / total
