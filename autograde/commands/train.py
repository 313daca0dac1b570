"""Real training runs of the reference models (`pset3 train {vit,cnn}`): a progress bar, a
checkpoint, and the per-epoch history as `history.csv` and `history.png`.

The ViT goes through Lightning with the tutorial's hyperparameters (AdamW 3e-4, batch 128,
checkpoint on the best val_acc); the CNN through the reference `train` and `evaluate`.
"""

import collections.abc
import contextlib
import csv
import logging
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import torch

from autograde.common import synthetic_cifar

DOWNLOAD_HINT = ("get it with: curl -O https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz && "
                 "tar -xzf cifar-10-python.tar.gz -C DIR (or use --synthetic)")


class TrainingError(Exception):
    """A problem with the request (data, device) that the user can fix; said in one line."""


def check_data_root(root: Path) -> None:
    missing = synthetic_cifar.missing_files(root)
    if missing:
        raise TrainingError(f"{root} holds no CIFAR-10: looked for {', '.join(missing)}; {DOWNLOAD_HINT}")


def check_device(device: str) -> torch.device:
    try:
        parsed = torch.device(device)
    except RuntimeError:
        raise TrainingError(f"unknown device {device!r}: use cpu, cuda or cuda:N") from None
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise TrainingError(f"--device {device}: CUDA is not available on this machine")
    if parsed.type not in ("cpu", "cuda"):
        raise TrainingError(f"unsupported device {device!r}: use cpu, cuda or cuda:N")
    return parsed


@contextlib.contextmanager
def quiet() -> collections.abc.Iterator[None]:
    with warnings.catch_warnings(action="ignore"):
        for name in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric"):
            logging.getLogger(name).setLevel(logging.WARNING)
        yield


POINTS_PER_EPOCH = 10  # training loss and accuracy are plotted this often, so one epoch still shows a curve


class CurveRecorder:
    """Mean training loss and accuracy over each tenth of an epoch, as `history` rows."""

    def __init__(self, batches_per_epoch: int, progress: Any, task: Any) -> None:
        self.every = max(1, batches_per_epoch // POINTS_PER_EPOCH)
        self.batches_per_epoch = batches_per_epoch
        self.progress, self.task = progress, task
        self.seen, self.loss, self.correct, self.count = 0, 0.0, 0, 0
        self.history: list[dict[str, float]] = []

    def __call__(self, loss: float, outputs: torch.Tensor, labels: torch.Tensor) -> None:
        self.seen += 1
        self.loss += loss
        self.correct += int((outputs.argmax(dim=1) == labels).sum())
        self.count += len(labels)
        self.progress.advance(self.task)
        if self.seen % self.every == 0:
            self.history.append({"epoch": round(self.seen / self.batches_per_epoch, 4),
                                 "train_loss": self.loss / self.every, "train_acc": self.correct / self.count})
            self.loss, self.correct, self.count = 0.0, 0, 0


def train_cnn(root: Path, out: Path, epochs: int, device: torch.device, progress: Any,
              limit_batches: int | None = None) -> list[dict[str, float]]:
    """The tutorial CNN, trained with the reference loop; test accuracy after every epoch."""
    from torch.utils.data import DataLoader, Subset

    from reference.part3 import CifarNet, evaluate, make_loaders, train

    torch.manual_seed(0)
    train_loader, test_loader = make_loaders(root)
    if limit_batches is not None:
        size = train_loader.batch_size * limit_batches
        train_loader = DataLoader(Subset(train_loader.dataset, range(size)), batch_size=train_loader.batch_size,
                                  shuffle=True, num_workers=train_loader.num_workers)
        test_loader = DataLoader(Subset(test_loader.dataset, range(size)), batch_size=test_loader.batch_size)
    net = CifarNet().to(device)
    recorder = CurveRecorder(len(train_loader), progress, progress.add_task("cnn", total=epochs * len(train_loader)))
    for _ in range(epochs):
        train(net, train_loader, epochs=1, on_batch=recorder)
        torch.save(net.state_dict(), out / "cifarnet.pt")
        recorder.history[-1]["test_acc"] = evaluate(net, test_loader)
    return recorder.history


def _lightning_history(metrics_csv: Path) -> list[dict[str, float]]:
    """Lightning's CSVLogger rows as history rows: training metrics where they were logged (at a
    fractional epoch), validation metrics at the end of their epoch."""
    rows = [r for r in csv.DictReader(metrics_csv.open()) if r.get("epoch") and r.get("step")]
    training = [r for r in rows if r.get("train_loss")] or [{"epoch": "0", "step": "0"}]
    epochs = max(int(r["epoch"]) for r in training) + 1
    steps_per_epoch = (max(int(r["step"]) for r in training) + 1) / epochs
    merged: dict[float, dict[str, float]] = defaultdict(dict)
    for row in rows:
        values = {k: float(row[k]) for k in ("train_loss", "train_acc", "val_loss", "val_acc") if row.get(k)}
        at = int(row["epoch"]) + 1 if "val_acc" in values else (int(row["step"]) + 1) / steps_per_epoch
        merged[round(at, 4)].update(values)
    return [{"epoch": at, **merged[at]} for at in sorted(merged) if merged[at]]


def train_vit_run(root: Path, out: Path, epochs: int, device: torch.device, small: bool,
                  limit_batches: int | None = None) -> list[dict[str, float]]:
    """The ViT through Lightning with the tutorial's callbacks and a rich progress bar."""
    import pytorch_lightning as pl

    from reference.part1 import SMALL_CONFIG, UVA_CONFIG, train_vit

    accelerator = {"accelerator": "gpu", "devices": [device.index or 0]} if device.type == "cuda" else \
        {"accelerator": "cpu", "devices": 1}
    logger = pl.loggers.CSVLogger(str(out), name="lightning")
    log_every = 10 if limit_batches is None else max(1, limit_batches // 5)
    if limit_batches is not None:
        accelerator |= {"limit_train_batches": limit_batches, "limit_val_batches": limit_batches,
                        "limit_test_batches": limit_batches}
    _, accuracies = train_vit(root, out, model_kwargs=SMALL_CONFIG if small else UVA_CONFIG, max_epochs=epochs,
                              num_workers=2, logger=logger, callbacks=[pl.callbacks.RichProgressBar()],
                              enable_model_summary=False, log_every_n_steps=log_every,
                              **accelerator)
    history = _lightning_history(Path(logger.log_dir) / "metrics.csv")
    if history:
        history[-1]["test_acc"] = accuracies["test_acc"]
    return history


def write_history(history: list[dict[str, float]], out: Path, title: str) -> tuple[Path, Path]:
    """history.csv, and history.png with the loss and the accuracies per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = ["epoch", *sorted({k for row in history for k in row} - {"epoch"})]
    csv_path, png_path = out / "history.csv", out / "history.png"
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(history)
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for key in columns[1:]:
        ax = loss_ax if key.endswith("loss") else acc_ax
        points = [(row["epoch"], row[key]) for row in history if key in row]
        style = {"marker": "o", "markersize": 3} if key.startswith("train") else {"marker": "s", "markersize": 8}
        ax.plot([p[0] for p in points], [p[1] for p in points], label=key, **style)
    loss_ax.set(title="loss", xlabel="epoch", ylabel="cross-entropy", xlim=(0, None))
    acc_ax.set(title="accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), xlim=(0, None))
    for ax in (loss_ax, acc_ax):
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
    return csv_path, png_path


def run(model: str, out: Path, epochs: int, device: str, data_root: Path | None, small: bool,
        limit_batches: int | None = None) -> dict[str, Any]:
    """Train `model` ("vit" or "cnn") and write checkpoint, history.csv and history.png under `out`.
    `limit_batches` caps the training batches per epoch (and the evaluation), for a quick check."""
    from rich.progress import Progress

    torch_device = check_device(device)
    out.mkdir(parents=True, exist_ok=True)
    root = synthetic_cifar.data_root(data_root, out)
    check_data_root(root)
    with synthetic_cifar.relax_integrity_check(), quiet():
        if model == "cnn":
            with Progress() as progress:
                history = train_cnn(root, out, epochs, torch_device, progress, limit_batches)
        else:
            history = train_vit_run(root, out, epochs, torch_device, small, limit_batches)
    data = "synthetic CIFAR-10" if data_root is None else f"CIFAR-10 at {data_root}"
    csv_path, png_path = write_history(history, out, f"{model} on {data}, {epochs} epoch(s) on {device}")
    checkpoints = sorted(str(p) for p in out.rglob("*") if p.suffix in (".pt", ".ckpt"))
    return {"history": history, "csv": str(csv_path), "plot": str(png_path), "checkpoints": checkpoints}
