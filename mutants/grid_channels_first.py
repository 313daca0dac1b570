"""Mutant: image_grid forgets to move the channels last."""

import torchvision

from reference import *


def image_grid(images, nrow=4):
    return torchvision.utils.make_grid(images, nrow=nrow, normalize=True, pad_value=0.9)
