"""Mutant: MLPNet reshapes every input to a batch of one."""

import torch.nn.functional as F

from reference import *
from reference import part2


class MLPNet(part2.MLPNet):
    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.reshape(1, 1024))))
