"""Mutant: the right names on the wrong behaviour: plain SGD in a class named AdamW, and a constant
learning rate in a class named MultiStepLR that keeps `milestones` and `gamma` attributes."""

import torch

from reference import *
from reference import part1


class AdamW(torch.optim.SGD):
    def __init__(self, params, lr=1e-3):
        super().__init__(params, lr=lr)


class MultiStepLR(torch.optim.lr_scheduler.LRScheduler):
    def __init__(self, optimizer, milestones, gamma=0.1):
        self.milestones, self.gamma = milestones, gamma
        super().__init__(optimizer)

    def get_lr(self):
        return list(self.base_lrs)


class ViT(part1.ViT):
    def configure_optimizers(self):
        optimizer = AdamW(self.parameters(), lr=self.hparams.lr)
        return [optimizer], [MultiStepLR(optimizer, milestones=[100, 150], gamma=0.1)]
