"""The reference models learn the synthetic CIFAR-10: its class signal is real, the loops are sound."""

import logging
import warnings

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Subset

from autograde.synthetic_cifar import relax_integrity_check
from reference.part1 import ViT, make_cifar10_splits

TINY_VIT = {"embed_dim": 64, "hidden_dim": 128, "num_heads": 4, "num_layers": 2, "patch_size": 8,
            "num_channels": 3, "num_patches": 16, "num_classes": 10, "dropout": 0.0}


class LossLog(pl.Callback):
    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        self.losses.append(float(outputs["loss"]))


def test_tiny_vit_learns_the_synthetic_data(cifar_root):
    with relax_integrity_check():
        train_set, val_set, _ = make_cifar10_splits(cifar_root)
    log = LossLog()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
        pl.seed_everything(0, verbose=False)
        model = ViT(TINY_VIT, lr=1e-3)
        trainer = pl.Trainer(max_steps=200, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                             enable_model_summary=False, accelerator="cpu", limit_val_batches=0, callbacks=[log])
        trainer.fit(model, DataLoader(train_set, batch_size=64, shuffle=True))
    first, last = sum(log.losses[:20]) / 20, sum(log.losses[-20:]) / 20
    assert last < first / 3, f"mean loss went from {first:.3f} (first 20 steps) to {last:.3f} (last 20)"
    model.eval()
    with torch.no_grad():
        batches = DataLoader(Subset(val_set, range(1000)), batch_size=250)
        correct = sum(int((model(x).argmax(-1) == y).sum()) for x, y in batches)
    assert correct / 1000 > 0.5, f"validation accuracy {correct / 1000:.3f}; chance is 0.1"
