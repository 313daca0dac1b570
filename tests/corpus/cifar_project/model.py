import torch
import torch.nn as nn
import torch.nn.functional as F


class CifarNet(nn.Module):
    """the CNN from the 60-minute blitz"""

    def __init__(self):
        super(CifarNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, kernel_size=5)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        out = self.pool(F.relu(self.conv1(x)))
        out = self.pool(F.relu(self.conv2(out)))
        out = out.view(-1, 16 * 5 * 5)
        out = F.relu(self.fc1(out))
        out = F.relu(self.fc2(out))
        return self.fc3(out)


if __name__ == "__main__":
    net = CifarNet()
    print(net)
    print(sum(p.numel() for p in net.parameters()), "params")
    print(net(torch.randn(4, 3, 32, 32)).shape)
