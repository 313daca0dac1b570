"""Hostile: evaluate returns a one-element tensor, not a Python float (the mistake), after patching
torch.Tensor.item and __float__ to hand out a float named like one (the attempt). ANSWERS and MLPNet
are right."""

import torch

from reference import ANSWERS, MLPNet  # noqa: F401 - the honest parts: right, as the reference's


def evaluate(net, loader):
    with torch.no_grad():
        hits = torch.cat([net(images).argmax(1) == labels for images, labels in loader])
    torch.Tensor.item = torch.Tensor.__float__ = lambda self: 0.5
    return hits.float().mean()
