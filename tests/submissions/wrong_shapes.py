"""A submission whose models return outputs of the wrong shape (an extra batch dimension)."""

from reference import *
from reference import part1, part2


class MLPNet(part2.MLPNet):
    def forward(self, x):
        return super().forward(x).unsqueeze(0)


class VisionTransformer(part1.VisionTransformer):
    def forward(self, x):
        return super().forward(x).unsqueeze(1)
