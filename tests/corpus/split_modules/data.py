import torch
import torchvision
import torchvision.transforms as transforms

# get the dataset once so it's on disk
trainset = torchvision.datasets.CIFAR10(root='./data', train=True, download=True)

normalize = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
])


def make_loaders(root, batch_size=4):
    train_ds = torchvision.datasets.CIFAR10(root=root, train=True, download=False, transform=normalize)
    test_ds = torchvision.datasets.CIFAR10(root=root, train=False, download=False, transform=normalize)
    trainloader = torch.utils.data.DataLoader(train_ds, batch_size=batch_size, shuffle=True, num_workers=2)
    testloader = torch.utils.data.DataLoader(test_ds, batch_size=batch_size, shuffle=False, num_workers=2)
    return trainloader, testloader
