"""Mutant: the module saves a checkpoint of its own at the end of fit."""

import os

import torch

from reference import *
from reference import part1


class ViT(part1.ViT):
    def on_fit_end(self):
        torch.save(self.state_dict(), os.path.join(self.trainer.default_root_dir, "vit.pt"))
