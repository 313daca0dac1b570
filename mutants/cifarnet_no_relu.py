"""Mutant: CifarNet without the ReLUs between its fully connected layers."""

import torch
import torch.nn.functional as F

from reference import *
from reference import part3


class CifarNet(part3.CifarNet):
    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc3(self.fc2(self.fc1(torch.flatten(x, 1))))
