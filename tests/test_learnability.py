"""The reference models learn the synthetic CIFAR-10: its class signal is real, the loops are sound."""

import logging
import warnings

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Subset

from autograde.common.synthetic_cifar import relax_integrity_check
from reference.part1 import SMALL_CONFIG, ViT, make_cifar10_splits
from reference.part3 import CifarNet, evaluate, make_loaders, train


class LossLog(pl.Callback):
    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        self.losses.append(float(outputs["loss"]))


def test_small_vit_learns_the_synthetic_data(cifar_root):
    with relax_integrity_check():
        train_set, val_set, _ = make_cifar10_splits(cifar_root)
    log = LossLog()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
        pl.seed_everything(0, verbose=False)
        model = ViT(SMALL_CONFIG, lr=1e-3)
        trainer = pl.Trainer(max_steps=150, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                             enable_model_summary=False, accelerator="cpu", limit_val_batches=0, callbacks=[log])
        trainer.fit(model, DataLoader(train_set, batch_size=64, shuffle=True))
    first, last = sum(log.losses[:20]) / 20, sum(log.losses[-20:]) / 20
    assert last < first * 0.75, f"mean loss went from {first:.3f} (first 20 steps) to {last:.3f} (last 20)"
    model.eval()
    with torch.no_grad():
        batches = DataLoader(Subset(val_set, range(1000)), batch_size=250)
        correct = sum(int((model(x).argmax(-1) == y).sum()) for x, y in batches)
    assert correct / 1000 > 0.35, f"validation accuracy {correct / 1000:.3f}; chance is 0.1"


def test_tutorial_cnn_learns_with_the_reference_loop(cifar_root):
    """4,000 steps of the tutorial's SGD (lr 0.001, batch 4): about a third of an epoch."""
    with relax_integrity_check():
        train_loader, test_loader = make_loaders(cifar_root, num_workers=0)
    torch.manual_seed(0)
    net = CifarNet()
    log = train(net, DataLoader(Subset(train_loader.dataset, range(16_000)), batch_size=4, shuffle=True), epochs=1)
    assert len(log) == 2 and log[1] < log[0] - 0.2, f"running-loss log {log}: the loss should fall"
    accuracy = evaluate(net, DataLoader(Subset(test_loader.dataset, range(1_000)), batch_size=100))
    assert accuracy > 0.3, f"test accuracy {accuracy:.3f}; chance is 0.1"
