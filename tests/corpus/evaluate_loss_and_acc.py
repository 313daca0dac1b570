"""CIFAR-10 classifier (pset 3 part 3).
evaluate() gives back the test loss too so I can plot train vs test loss."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

TRANSFORM = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5]),
])


def make_loaders(root, batch_size=4):
    train_set = datasets.CIFAR10(root=root, train=True, transform=TRANSFORM)
    test_set = datasets.CIFAR10(root=root, train=False, transform=TRANSFORM)
    return (DataLoader(train_set, batch_size=batch_size, shuffle=True),
            DataLoader(test_set, batch_size=batch_size, shuffle=False))


class CifarNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.reshape(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def train(net, loader, epochs=2, lr=0.001, momentum=0.9):
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    losses = []
    for epoch in range(epochs):
        running_loss = 0.0
        for i, (images, labels) in enumerate(loader):
            optimizer.zero_grad()
            loss = criterion(net(images), labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if i % 2000 == 1999:
                losses.append(running_loss / 2000)
                print(f"epoch {epoch + 1} step {i + 1}: {losses[-1]:.3f}")
                running_loss = 0.0
    return losses


def evaluate(net, loader):
    """returns (mean test loss, accuracy)"""
    criterion = nn.CrossEntropyLoss(reduction="sum")
    total_loss, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            out = net(images)
            total_loss += criterion(out, labels).item()
            correct += (out.argmax(1) == labels).sum().item()
            n += labels.numel()
    return total_loss / n, correct / n


if __name__ == "__main__":
    train_loader, test_loader = make_loaders("./data")
    net = CifarNet()
    train(net, train_loader)
    test_loss, test_acc = evaluate(net, test_loader)
    print(f"test loss {test_loss:.3f}, accuracy {test_acc:.3f}")
