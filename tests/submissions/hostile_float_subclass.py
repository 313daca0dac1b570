"""Hostile: evaluate gives the accuracy in percent (the mistake) as a float subclass named `float`
whose __eq__ is always True and whose __float__ says 0.5 (the attempt). ANSWERS and MLPNet are
right; it evaluates without autograd."""

import builtins

import torch
from torch import nn

ANSWERS = {"2.1a": (True, False), "2.1b": (True, False), "2.1c": (True, False), "2.1d": (True, True),
           "2.1e": (False, True), "2.4": 4, "2.5": (10, 100)}


class MLPNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(1024, 100), nn.Linear(100, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x.flatten(-2))))


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
