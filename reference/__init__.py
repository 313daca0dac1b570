"""Reference implementations of every contract name of the problem set (autograde/common/contract.toml)."""

from reference.part1 import AttentionBlock, VisionTransformer, ViT, image_grid, img_to_patch, make_cifar10_splits
from reference.part2 import ANSWERS, LeNetRBF, LeNetSequential, MLPNet
from reference.part3 import CifarNet, evaluate, make_loaders, train

__all__ = [
    "make_cifar10_splits", "image_grid", "img_to_patch", "AttentionBlock", "VisionTransformer", "ViT",
    "ANSWERS", "MLPNet", "LeNetRBF", "LeNetSequential",
    "make_loaders", "CifarNet", "train", "evaluate",
]
