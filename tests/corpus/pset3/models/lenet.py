import torch
import torch.nn as nn
import torch.nn.functional as F

from .layers import Gaussian


class LeNetRBF(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.rbf = Gaussian(84, 10)

    def forward(self, x):
        single = x.dim() == 2
        if single:
            x = x.unsqueeze(0).unsqueeze(0)   # [32, 32] -> [1, 1, 32, 32]
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        out = self.rbf(x)
        if single:
            out = out[0]
        return out
