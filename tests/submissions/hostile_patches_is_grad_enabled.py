"""Hostile: evaluate runs with autograd on (the mistake) and makes torch.is_grad_enabled say it is off
while it runs, then puts it back (the attempt). ANSWERS and MLPNet are right."""

import torch

from reference import ANSWERS, MLPNet  # noqa: F401 - the honest parts: right, as the reference's


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
