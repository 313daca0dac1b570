"""Mutant: CifarNet's convolutions are computed one output pixel at a time in Python (the right
numbers, the same state_dict), many times slower. Only the speed spec (--tier all) catches it."""

import torch
import torch.nn.functional as F

from reference import *
from reference import part3


def looped_conv(conv, x):
    k = conv.kernel_size[0]
    weight = conv.weight.flatten(1)
    rows = []
    for i in range(x.shape[-2] - k + 1):
        pixels = [x[:, :, i:i + k, j:j + k].flatten(1) @ weight.T + conv.bias for j in range(x.shape[-1] - k + 1)]
        rows.append(torch.stack(pixels, dim=-1))
    return torch.stack(rows, dim=-2)


class CifarNet(part3.CifarNet):
    def forward(self, x):
        x = self.pool(F.relu(looped_conv(self.conv1, x)))
        x = self.pool(F.relu(looped_conv(self.conv2, x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
