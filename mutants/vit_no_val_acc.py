"""Mutant: validation_step logs no val_acc."""

import torch.nn.functional as F

from reference import *
from reference import part1


class ViT(part1.ViT):
    def validation_step(self, batch, batch_idx):
        images, labels = batch
        self.log("val_loss", F.cross_entropy(self.model(images), labels))
