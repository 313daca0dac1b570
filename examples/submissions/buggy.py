"""An example submission with three mistakes: questions 1.2, 2.2 and 3.3.

Generated from reference/ by `python tools/examples.py`; do not edit by hand.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data import Dataset
from torchvision import transforms
from typing import Any
import collections.abc
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
import torchvision


# Part 1: CIFAR-10's per-channel statistics, the 45,000 / 5,000 split of its training images.
DATA_MEANS = (0.49139968, 0.48215841, 0.44653091)
DATA_STD = (0.24703223, 0.24348513, 0.26158784)
TRAIN_SIZE, VAL_SIZE = 45_000, 5_000
# The UvA tutorial's ViT configuration (3,195,146 parameters) and learning rate.
UVA_CONFIG: dict[str, Any] = {
    "embed_dim": 256, "hidden_dim": 512, "num_heads": 8, "num_layers": 6, "patch_size": 4,
    "num_channels": 3, "num_patches": 64, "num_classes": 10, "dropout": 0.2,
}
UVA_LR = 3e-4
# A ViT that trains on a CPU in minutes (16 patches of 8x8, 4 heads, 2 blocks): `pset3 train vit --small`.
SMALL_CONFIG: dict[str, Any] = {
    "embed_dim": 64, "hidden_dim": 128, "num_heads": 4, "num_layers": 2, "patch_size": 8,
    "num_channels": 3, "num_patches": 16, "num_classes": 10, "dropout": 0.1,
}
# The smallest ViT that runs every code path (2 heads, 1 block): for quick tests of the plumbing around it.
TINY_CONFIG: dict[str, Any] = {
    "embed_dim": 16, "hidden_dim": 32, "num_heads": 2, "num_layers": 1, "patch_size": 8,
    "num_channels": 3, "num_patches": 16, "num_classes": 10, "dropout": 0.0,
}

# Part 2, question 2.1: the steps of one SGD iteration at which the handout asks about fc1.weight.
LIFECYCLE_STEPS = {
    "a": "a fresh net",
    "b": "after optimizer.zero_grad()",
    "c": "after forward and loss",
    "d": "after loss.backward()",
    "e": "after optimizer.step()",
}


test_transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(DATA_MEANS, DATA_STD)])
train_transform = transforms.Compose([
    transforms.RandomHorizontalFlip(),
    transforms.RandomResizedCrop((32, 32), scale=(0.8, 1.0), ratio=(0.9, 1.1)),
    transforms.ToTensor(),
    transforms.Normalize(DATA_MEANS, DATA_STD),
])


class TransformedSubset(Dataset):
    """Items `indices` of `base`, each passed through `transform` when it is read (never before)."""

    def __init__(self, base: Dataset, indices: Sequence[int], transform: Callable | None) -> None:
        self.dataset = base
        self.indices = list(indices)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> tuple[Any, int]:
        image, label = self.dataset[self.indices[i]]
        return (self.transform(image) if self.transform else image), label


def make_cifar10_splits(root: str | Path, seed: int = 42) -> tuple[Dataset, Dataset, Dataset]:
    """(train 45,000 augmented, val 5,000, test 10,000) from CIFAR-10 at `root`; nothing downloaded.

    The permutation is drawn once from `seed`, so train and val are disjoint and together cover
    the 50,000 training images.
    """
    base = torchvision.datasets.CIFAR10(root=str(root), train=True, download=False)
    order = torch.randperm(len(base), generator=torch.Generator().manual_seed(seed)).tolist()
    train_set = TransformedSubset(base, order[:TRAIN_SIZE], train_transform)
    val_set = TransformedSubset(base, order[TRAIN_SIZE:TRAIN_SIZE + VAL_SIZE], test_transform)
    test_set = torchvision.datasets.CIFAR10(root=str(root), train=False, transform=test_transform, download=False)
    return train_set, val_set, test_set


def image_grid(images: torch.Tensor, nrow: int = 4) -> torch.Tensor:
    """`[B, C, H, W]` images -> one `[H', W', C]` grid, channels last as `plt.imshow` wants."""
    grid = torchvision.utils.make_grid(images, nrow=nrow, normalize=True, pad_value=0.9)
    return grid  # forgot to move the channels last


def img_to_patch(x: torch.Tensor, patch_size: int, flatten_channels: bool = True) -> torch.Tensor:
    """`[B, C, H, W]` -> `[B, N, C*p*p]` (or `[B, N, C, p, p]`), patches in row-major order."""
    B, C, H, W = x.shape
    x = x.reshape(B, C, H // patch_size, patch_size, W // patch_size, patch_size)
    x = x.permute(0, 2, 4, 1, 3, 5)  # [B, H', W', C, p, p]
    x = x.flatten(1, 2)  # [B, H'*W', C, p, p]
    return x.flatten(2, 4) if flatten_channels else x


class AttentionBlock(nn.Module):
    """Pre-LayerNorm transformer block on sequence-first input `[T, B, E]`."""

    def __init__(self, embed_dim: int, hidden_dim: int, num_heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.layer_norm_1 = nn.LayerNorm(embed_dim)
        self.attn = nn.MultiheadAttention(embed_dim, num_heads)
        self.layer_norm_2 = nn.LayerNorm(embed_dim)
        self.linear = nn.Sequential(
            nn.Linear(embed_dim, hidden_dim),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_dim, embed_dim),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normed = self.layer_norm_1(x)
        x = x + self.attn(normed, normed, normed)[0]
        return x + self.linear(self.layer_norm_2(x))


class VisionTransformer(nn.Module):
    """Patches -> linear embedding -> [CLS] + positions -> attention blocks -> head on token 0."""

    def __init__(self, embed_dim: int, hidden_dim: int, num_channels: int, num_heads: int, num_layers: int,
                 num_classes: int, patch_size: int, num_patches: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.input_layer = nn.Linear(num_channels * patch_size**2, embed_dim)
        self.transformer = nn.Sequential(
            *(AttentionBlock(embed_dim, hidden_dim, num_heads, dropout=dropout) for _ in range(num_layers)))
        self.mlp_head = nn.Sequential(nn.LayerNorm(embed_dim), nn.Linear(embed_dim, num_classes))
        self.dropout = nn.Dropout(dropout)
        self.cls_token = nn.Parameter(torch.randn(1, 1, embed_dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, 1 + num_patches, embed_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.input_layer(img_to_patch(x, self.patch_size))
        B, T, _ = x.shape
        x = torch.cat([self.cls_token.expand(B, -1, -1), x], dim=1)
        x = self.dropout(x + self.pos_embedding[:, :T + 1])
        x = self.transformer(x.transpose(0, 1))  # blocks are sequence-first
        return self.mlp_head(x[0])  # the [CLS] token after the last block


class ViT(pl.LightningModule):
    """The LightningModule: cross-entropy, accuracy logged per stage, AdamW + MultiStepLR."""

    def __init__(self, model_kwargs: dict[str, Any], lr: float) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.model = VisionTransformer(**model_kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def configure_optimizers(self) -> tuple[list[torch.optim.Optimizer], list[Any]]:
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr)
        scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[100, 150], gamma=0.1)
        return [optimizer], [scheduler]

    def _step(self, batch: tuple[torch.Tensor, torch.Tensor], stage: str) -> torch.Tensor:
        images, labels = batch
        logits = self.model(images)
        loss = F.cross_entropy(logits, labels)
        acc = (logits.argmax(dim=-1) == labels).float().mean()
        self.log(f"{stage}_loss", loss)
        self.log(f"{stage}_acc", acc)
        return loss

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self._step(batch, "test")


def train_vit(data_root: str | Path, out_dir: str | Path, *, model_kwargs: dict[str, Any] | None = None,
              lr: float = UVA_LR, max_epochs: int = 180, batch_size: int = 128, num_workers: int = 4,
              seed: int = 42, **trainer_kwargs: Any) -> tuple[ViT, dict[str, float]]:
    """Train as the tutorial does: checkpoint on the best val_acc, learning-rate monitor per epoch.

    Returns the best checkpoint's model and its val/test accuracies.
    """
    pl.seed_everything(seed)
    train_set, val_set, test_set = make_cifar10_splits(data_root, seed=seed)
    loader = torch.utils.data.DataLoader
    train_loader = loader(train_set, batch_size=batch_size, shuffle=True, drop_last=True,
                          num_workers=num_workers, pin_memory=torch.cuda.is_available(),
                          persistent_workers=num_workers > 0)
    val_loader = loader(val_set, batch_size=batch_size, num_workers=num_workers)
    test_loader = loader(test_set, batch_size=batch_size, num_workers=num_workers)
    checkpoint = pl.callbacks.ModelCheckpoint(save_weights_only=True, mode="max", monitor="val_acc")
    trainer_kwargs.setdefault("logger", pl.loggers.CSVLogger(str(out_dir), name="vit"))  # metrics.csv per run
    callbacks = [checkpoint, pl.callbacks.LearningRateMonitor("epoch"), *trainer_kwargs.pop("callbacks", [])]
    trainer = pl.Trainer(default_root_dir=str(out_dir), max_epochs=max_epochs, callbacks=callbacks, **trainer_kwargs)
    model = ViT(model_kwargs or UVA_CONFIG, lr)
    trainer.fit(model, train_loader, val_loader)
    best = ViT.load_from_checkpoint(checkpoint.best_model_path) if checkpoint.best_model_path else model
    val = trainer.test(best, val_loader, verbose=False)[0]["test_acc"]
    test = trainer.test(best, test_loader, verbose=False)[0]["test_acc"]
    return best, {"val_acc": val, "test_acc": test}


# The predictive answers of questions 2.1, 2.4 and 2.5.
# 2.1: (weight unchanged since creation, .grad exists) at each step of one SGD iteration:
# a fresh net, after zero_grad, after forward + loss, after backward, after step.
# Since torch 2.0 `zero_grad` sets grads to None, so none exists before backward.
ANSWERS: dict[str, object] = {
    "2.1a": (True, False),
    "2.1b": (True, False),
    "2.1c": (True, False),
    "2.1d": (True, True),
    "2.1e": (False, True),
    "2.4": 4,
    "2.5": (10, 100),
}


class MLPNet(nn.Module):
    """Linear(1024, 100) -> ReLU -> Linear(100, 10) on a flattened 32x32 image."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(32 * 32, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.view(-1)  # flattens the batch away too
        return self.fc2(F.relu(self.fc1(x)))


class GaussianConnections(nn.Module):
    """LeNet-5's RBF output layer: output_i = sum_j (x_j - w_ij)^2, a distance, so never negative."""

    def __init__(self, in_features: int = 84, out_features: int = 10) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.unsqueeze(-2) - self.weight).pow(2).sum(dim=-1)


def _as_batch(x: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """A `[32, 32]` image becomes `[1, 1, 32, 32]`; report whether to squeeze the result."""
    if x.dim() == 2:
        return x[None, None], True
    return x, False


class LeNetRBF(nn.Module):
    """conv(1->6, 5) -> maxpool 2 -> conv(6->16, 5) -> maxpool 2 -> Linear(400, 120) -> ReLU
    -> Linear(120, 84) -> Gaussian connections (10 outputs)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.rbf = GaussianConnections(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, unbatched = _as_batch(x)
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        x = self.fc2(F.relu(self.fc1(x.flatten(start_dim=1))))
        out = self.rbf(x)
        return out[0] if unbatched else out


class LeNetSequential(nn.Module):
    """`LeNetRBF` written as one `nn.Sequential`; same parameters in the same order."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            GaussianConnections(84, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, unbatched = _as_batch(x)
        out = self.layers(x)
        return out[0] if unbatched else out




def gradient_lifecycle(seed: int = 0, lr: float = 0.01) -> dict[str, tuple[bool, bool]]:
    """Measure question 2.1 live: (fc1.weight unchanged, fc1.weight.grad exists) at steps a..e.

    One SGD iteration of `MLPNet` with an MSE loss against a random target, as in the handout.
    Global RNG state is left as it was.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = MLPNet()
        optimizer = torch.optim.SGD(net.parameters(), lr=lr)
        weight = net.fc1.weight
        initial = weight.detach().clone()

        def observe() -> tuple[bool, bool]:
            return bool(torch.equal(weight.detach(), initial)), weight.grad is not None

        states = {"a": observe()}
        optimizer.zero_grad()
        states["b"] = observe()
        loss = F.mse_loss(net(torch.rand(32, 32)), torch.rand(10))
        states["c"] = observe()
        loss.backward()
        states["d"] = observe()
        optimizer.step()
        states["e"] = observe()
    return states


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
