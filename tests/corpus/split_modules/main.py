import torch
import torch.nn as nn
import torch.optim as optim

from data import make_loaders
from nets import CifarNet


def train(net, loader, epochs=2, lr=0.001, momentum=0.9):
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    history = []
    for epoch in range(epochs):
        running_loss = 0.0
        for i, (inputs, labels) in enumerate(loader):
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()

            running_loss += loss.item()
            if i % 2000 == 1999:
                avg = running_loss / 2000
                print(f"[{epoch + 1}, {i + 1:5d}] loss: {avg:.3f}")
                history.append(avg)
                running_loss = 0.0
    print("Finished Training")
    return history


def evaluate(net, loader):
    correct = 0
    total = 0
    with torch.no_grad():
        for images, labels in loader:
            outputs = net(images)
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return correct / total


trainloader, testloader = make_loaders('./data')
net = CifarNet()
train(net, trainloader)
print(f"Accuracy on the 10000 test images: {100 * evaluate(net, testloader):.1f} %")
