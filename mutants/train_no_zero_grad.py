"""Mutant: the training loop never zeroes the gradients (a planted bug of the problem set)."""

import torch
from torch import nn

from reference import *


def train(net, loader, epochs=2, lr=0.001, momentum=0.9):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    log = []
    for _ in range(epochs):
        running_loss = 0.0
        for i, (inputs, labels) in enumerate(loader):
            loss = criterion(net(inputs), labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if i % 2000 == 1999:
                log.append(running_loss / 2000)
                running_loss = 0.0
    return log
