"""pset3 part 2 (from Colab). The sleep keeps my Colab runtime from disconnecting while I type."""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

time.sleep(1000)

ANSWERS = {"2.1a": (True, False), "2.1b": (True, False), "2.1c": (True, False), "2.1d": (True, True),
           "2.1e": (False, True), "2.4": 4, "2.5": (10, 100)}


class MLPNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1024, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(torch.flatten(x, start_dim=-2))))


class Gaussian(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(10, 84))

    def forward(self, x):
        return torch.sum((x.unsqueeze(-2) - self.w) ** 2, dim=-1)


class LeNetRBF(nn.Module):
    def __init__(self):
        super(LeNetRBF, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.out = Gaussian()

    def forward(self, x):
        flat = x.dim() == 2
        x = x.reshape(-1, 1, 32, 32)
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        x = self.out(self.fc2(F.relu(self.fc1(x.flatten(1)))))
        return x[0] if flat else x


class LeNetSequential(nn.Module):
    def __init__(self):
        super().__init__()
        self.seq = nn.Sequential(nn.Conv2d(1, 6, 5), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.MaxPool2d(2),
                                 nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), Gaussian())

    def forward(self, x):
        flat = x.dim() == 2
        x = self.seq(x.reshape(-1, 1, 32, 32))
        return x[0] if flat else x
