import torch.nn as nn
import torch.nn.functional as F


class MLPNet(nn.Module):
    """32x32 image -> 10 outputs, one hidden layer of 100"""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(32 * 32, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        x = x.flatten(start_dim=-2)   # [.., 32, 32] -> [.., 1024], works with or without a batch
        return self.fc2(F.relu(self.fc1(x)))
