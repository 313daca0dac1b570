"""Hostile: replaces torch.no_grad with a look-alike that turns nothing off, then evaluates "under" it:
autograd stays on (the mistake) in code that reads as if it were off (the attempt). ANSWERS and MLPNet
are right."""

import contextlib

import torch

from reference import ANSWERS, MLPNet  # noqa: F401 - the honest parts: right, as the reference's


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
