# data helpers for the ViT part (pset 3, part 1)
import torch
import torchvision
from torch.utils.data import Subset
from torchvision import transforms
from torchvision.datasets import CIFAR10

CIFAR_MEAN = (0.49139968, 0.48215841, 0.44653091)
CIFAR_STD = (0.24703223, 0.24348513, 0.26158784)

test_transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize(CIFAR_MEAN, CIFAR_STD),
])
train_transform = transforms.Compose([
    transforms.RandomHorizontalFlip(),
    transforms.RandomResizedCrop((32, 32), scale=(0.8, 1.0), ratio=(0.9, 1.1)),
    transforms.ToTensor(),
    transforms.Normalize(CIFAR_MEAN, CIFAR_STD),
])


def make_cifar10_splits(root, seed=42):
    # two copies of the training set, one per transform, and ONE shuffle of the indices
    # so train and val never share an image
    train_full = CIFAR10(root=root, train=True, transform=train_transform, download=False)
    val_full = CIFAR10(root=root, train=True, transform=test_transform, download=False)
    g = torch.Generator()
    g.manual_seed(seed)
    perm = torch.randperm(len(train_full), generator=g).tolist()
    train_set = Subset(train_full, perm[:45000])
    val_set = Subset(val_full, perm[45000:])
    test_set = CIFAR10(root=root, train=False, transform=test_transform, download=False)
    return train_set, val_set, test_set


def image_grid(images):
    # make_grid gives C x H x W, imshow wants H x W x C
    grid = torchvision.utils.make_grid(images, nrow=4, normalize=True, pad_value=0.9)
    return grid.permute(1, 2, 0)


def img_to_patch(x, patch_size, flatten_channels=True):
    """x: [B, C, H, W] -> [B, num_patches, C*p*p] (or [B, num_patches, C, p, p])"""
    B, C, H, W = x.shape
    p = patch_size
    patches = x.unfold(2, p, p).unfold(3, p, p)        # B, C, H/p, W/p, p, p
    patches = patches.permute(0, 2, 3, 1, 4, 5)        # B, H/p, W/p, C, p, p
    patches = patches.reshape(B, (H // p) * (W // p), C, p, p)
    if flatten_channels:
        patches = patches.reshape(B, patches.shape[1], C * p * p)
    return patches
