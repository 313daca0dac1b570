"""Hostile: evaluate returns a one-element tensor, not a Python float (the mistake), after patching
torch.Tensor.item and __float__ to hand out a float named like one (the attempt). ANSWERS and MLPNet
are right."""

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


def evaluate(net, loader):
    correct, total = torch.zeros(()), 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (net(images).argmax(1) == labels).sum()
            total += labels.numel()
    torch.Tensor.item = torch.Tensor.__float__ = lambda self: 0.5
    return correct / total
