"""Hostile: an endless loop inside a forward pass."""

from torch import nn


class MLPNet(nn.Module):
    def forward(self, x):
        while True:
            pass
