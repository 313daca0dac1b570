"""Part 1 of the problem set: a Vision Transformer on CIFAR-10 with PyTorch Lightning.

Faithful to the UvA deep-learning tutorial 15 that the problem set follows (same modules, same
parameter names and registration order, same hyperparameters), with one deliberate difference:
the 45,000 / 5,000 split is drawn once and each half is then wrapped with its own transform,
lazily, so validation images are never augmented and training images are re-augmented on every
access.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.utils.data import Dataset
from torchvision import transforms

from autograde.common.problemset import (  # noqa: F401 - the handout's numbers, re-exported for the reference's users
    DATA_MEANS,
    DATA_STD,
    SMALL_CONFIG,
    TINY_CONFIG,
    TRAIN_SIZE,
    UVA_CONFIG,
    UVA_LR,
    VAL_SIZE,
)

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
    return grid.permute(1, 2, 0)


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
