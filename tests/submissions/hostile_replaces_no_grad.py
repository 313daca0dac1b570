"""Hostile: replaces torch.no_grad with a look-alike that turns nothing off, then evaluates "under" it:
autograd stays on (the mistake) in code that reads as if it were off (the attempt). ANSWERS and MLPNet
are right."""

import contextlib

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


class no_grad(contextlib.ContextDecorator):  # noqa: N801 - named as torch's, to pass for it
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def evaluate(net, loader):
    torch.no_grad = torch.autograd.no_grad = torch.autograd.grad_mode.no_grad = no_grad
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (net(images).argmax(1) == labels).sum().item()
            total += labels.numel()
    return correct / total
