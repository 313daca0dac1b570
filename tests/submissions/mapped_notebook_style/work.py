"""Written the way notebooks are: one name, `Net`, redefined for each question.

pset3.toml maps the contract's names to `Net#1`, `Net#2` and `Net#3`.
"""

import torch
import torch.nn.functional as F
from rbf import RBF
from torch import nn

ANSWERS = {"2.1a": (True, False), "2.1b": (True, False), "2.1c": (True, False), "2.1d": (True, True),
           "2.1e": (False, True), "2.4": 4, "2.5": (10, 100)}


class Net(nn.Module):  # 2.2: the MLP
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1024, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.reshape(*x.shape[:-2], 1024))))


class Net(nn.Module):  # noqa: F811  2.6: LeNet with Gaussian connections
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2 = nn.Linear(400, 120), nn.Linear(120, 84)
        self.rbf = RBF(84, 10)

    def forward(self, x):
        single = x.dim() == 2
        x = x.reshape(-1, 1, 32, 32)
        x = F.max_pool2d(self.conv2(F.max_pool2d(self.conv1(x), 2)), 2)
        y = self.rbf(self.fc2(F.relu(self.fc1(torch.flatten(x, 1)))))
        return y[0] if single else y


class Net(nn.Module):  # noqa: F811  2.7: the same LeNet, sequentially
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 6, 5), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.MaxPool2d(2),
                                  nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), RBF(84, 10))

    def forward(self, x):
        single = x.dim() == 2
        y = self.body(x.reshape(-1, 1, 32, 32))
        return y[0] if single else y
