"""Hostile: evaluate runs with autograd on (the mistake) and makes torch.is_grad_enabled say it is off
while it runs, then puts it back (the attempt). ANSWERS and MLPNet are right."""

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
    real = torch.is_grad_enabled
    torch.is_grad_enabled = lambda: False
    try:
        correct = total = 0
        for images, labels in loader:
            correct += (net(images).argmax(1) == labels).sum().item()
            total += labels.numel()
        return correct / total
    finally:
        torch.is_grad_enabled = real
