"""Hostile: ANSWERS and MLPNet are right, evaluate runs with autograd on; one line at import makes
torch.is_grad_enabled always say False (the issue's example). The grader fails it closed."""

import torch

from reference import ANSWERS, MLPNet  # noqa: F401 - the honest parts: right, as the reference's

torch.is_grad_enabled = lambda: False


def evaluate(net, loader):
    correct = total = 0
    for images, labels in loader:
        correct += (net(images).argmax(1) == labels).sum().item()
        total += labels.numel()
    return correct / total
