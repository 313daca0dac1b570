"""Part 3 of the problem set: the PyTorch "Training a Classifier" tutorial on CIFAR-10, without its
planted bugs: loaders, the tutorial CNN, the training loop and the evaluation."""

import collections.abc
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.utils.data import DataLoader
from torchvision import transforms

CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
LOG_EVERY = 2000  # mini-batches between two entries of the running-loss log, as in the tutorial

transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])


def make_loaders(root: str | Path, batch_size: int = 4, num_workers: int = 2) -> tuple[DataLoader, DataLoader]:
    """(train loader over the 50,000 training images, shuffled; test loader over the 10,000 test images, in order)."""
    train_set = torchvision.datasets.CIFAR10(root=str(root), train=True, download=False, transform=transform)
    test_set = torchvision.datasets.CIFAR10(root=str(root), train=False, download=False, transform=transform)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=num_workers)
    test_loader = DataLoader(test_set, batch_size=batch_size, shuffle=False, num_workers=num_workers)
    return train_loader, test_loader


class CifarNet(nn.Module):
    """conv 3->6 5x5, pool, conv 6->16 5x5, pool, 400 -> 120 -> 84 -> 10 (62,006 parameters)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def _device_of(net: nn.Module) -> torch.device:
    return next(net.parameters()).device


def train(net: nn.Module, loader: DataLoader, epochs: int = 2, lr: float = 0.001, momentum: float = 0.9,
          on_batch: collections.abc.Callable[[float, torch.Tensor, torch.Tensor], None] | None = None) -> list[float]:
    """SGD with momentum on cross-entropy; every LOG_EVERY mini-batches the mean loss since the last
    entry is appended to the log (a Python float). `on_batch(loss, outputs, labels)` sees every
    mini-batch (for progress bars and curves)."""
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    device = _device_of(net)
    log: list[float] = []
    for _ in range(epochs):
        running_loss = 0.0
        for i, (inputs, labels) in enumerate(loader):
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            value = loss.item()
            running_loss += value
            if on_batch is not None:
                on_batch(value, outputs.detach(), labels)
            if i % LOG_EVERY == LOG_EVERY - 1:
                log.append(running_loss / LOG_EVERY)
                running_loss = 0.0
    return log


def _predictions(net: nn.Module, loader: DataLoader) -> tuple[torch.Tensor, torch.Tensor]:
    """All predicted and true labels, computed without autograd."""
    device = _device_of(net)
    predicted, truth = [], []
    with torch.no_grad():
        for images, labels in loader:
            predicted.append(net(images.to(device)).argmax(dim=1).cpu())
            truth.append(labels)
    return torch.cat(predicted), torch.cat(truth)


def evaluate(net: nn.Module, loader: DataLoader) -> float:
    """Accuracy over the loader as a Python float in [0, 1]."""
    predicted, truth = _predictions(net, loader)
    return (predicted == truth).sum().item() / len(truth)


def per_class_accuracy(net: nn.Module, loader: DataLoader, classes: tuple[str, ...] = CLASSES) -> dict[str, float]:
    """Accuracy per true class, as the tutorial's last cell prints it."""
    predicted, truth = _predictions(net, loader)
    return {name: (predicted[truth == k] == k).float().mean().item() for k, name in enumerate(classes)
            if (truth == k).any()}
