"""Mutant: LeNetSequential's Gaussian layer computes with `self.weight.detach()`, so the centres never learn."""

from reference import *
from reference import part2


class DetachedCentres(part2.GaussianConnections):
    def forward(self, x):
        return (x.unsqueeze(-2) - self.weight.detach()).pow(2).sum(dim=-1)


class LeNetSequential(part2.LeNetSequential):
    def __init__(self):
        super().__init__()
        self.layers[-1] = DetachedCentres(84, 10)
