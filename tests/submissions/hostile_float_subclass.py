"""Hostile: evaluate gives the accuracy in percent (the mistake) as a float subclass named `float`
whose __eq__ is always True and whose __float__ says 0.5 (the attempt). ANSWERS and MLPNet are
right; it evaluates without autograd."""

import builtins

import torch

from reference import ANSWERS, MLPNet  # noqa: F401 - the honest parts: right, as the reference's


class float(builtins.float):  # noqa: A001 - named as the built-in, to pass for it
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = builtins.float.__hash__

    def __float__(self):
        return 0.5


def evaluate(net, loader):
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (net(images).argmax(1) == labels).sum().item()
            total += labels.numel()
    return float(100 * correct / total)
