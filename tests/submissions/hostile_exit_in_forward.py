"""Hostile: ends its own process inside a forward pass; its ANSWERS are right."""

import os

from torch import nn

ANSWERS = {"2.1a": (True, False), "2.1b": (True, False), "2.1c": (True, False), "2.1d": (True, True),
           "2.1e": (False, True), "2.4": 4, "2.5": (10, 100)}


class MLPNet(nn.Module):
    def forward(self, x):
        os._exit(0)
