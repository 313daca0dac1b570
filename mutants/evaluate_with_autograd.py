"""Mutant: evaluation builds autograd graphs: no torch.no_grad() (a planted bug of the problem set)."""

from reference import *


def evaluate(net, loader):
    correct, total = 0, 0
    for images, labels in loader:
        predicted = net(images).argmax(dim=1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
    return correct / total
