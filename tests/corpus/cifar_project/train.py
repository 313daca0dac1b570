"""Part 3: load CIFAR-10, train CifarNet, test it.  python train.py"""
import torch
import torch.nn as nn
import torch.optim as optim
import torchvision
import torchvision.transforms as T

from model import CifarNet

DATA_DIR = "./data"


def make_loaders(root, batch_size=4):
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    train_data = torchvision.datasets.CIFAR10(root, train=True, download=False, transform=tf)
    test_data = torchvision.datasets.CIFAR10(root, train=False, download=False, transform=tf)
    train_loader = torch.utils.data.DataLoader(train_data, batch_size=batch_size, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test_data, batch_size=batch_size, shuffle=False)
    return train_loader, test_loader


def train(net, loader, epochs=2, lr=0.001, momentum=0.9):
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    log = []
    for epoch in range(epochs):
        running = 0.0
        for i, (x, y) in enumerate(loader):
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
            running += loss.item()
            if (i + 1) % 2000 == 0:
                print("epoch %d, batch %5d: loss %.3f" % (epoch + 1, i + 1, running / 2000))
                log.append(running / 2000)
                running = 0.0
    return log


def evaluate(net, loader):
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            pred = net(x).argmax(dim=1)
            correct += (pred == y).sum().item()
            total += y.size(0)
    return correct / total


if __name__ == "__main__":
    train_loader, test_loader = make_loaders(DATA_DIR)
    net = CifarNet()
    losses = train(net, train_loader)
    torch.save(net.state_dict(), "cifar_net.pth")
    print("test accuracy: %.2f%%" % (100 * evaluate(net, test_loader)))
