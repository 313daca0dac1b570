"""Observing a submission's LightningModule: a fit and a test under `fast_dev_run`, and its optimisers.
Either Lightning package will do (`lightning` or `pytorch_lightning`); each module is fitted by
the Trainer of its own package.

The data are trusted random image tensors made here, so a mistake in the submission's dataset
code (another question) cannot affect what these observations say about its module.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import tempfile
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, TensorDataset

from autograde.common.errors import ObservationError
from autograde.worker.probes.core import Init, build, running, scratch_cwd, seeded

STAGES = ("train", "val", "test")


@contextmanager
def quiet_lightning() -> Iterator[None]:
    """No banner, no warnings."""
    loggers = [logging.getLogger(n) for n in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric")]
    levels = [lg.level for lg in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.setLevel(level)


# Lightning's two packages, each with its own LightningModule, Trainer and Callback: a module from
# one cannot be fitted by the other's Trainer.
PACKAGES = ("lightning.pytorch", "pytorch_lightning")


def lightning_package(model: object, name: str) -> types.ModuleType:
    """The Lightning package whose LightningModule `model` is (`import lightning as L` or
    `import pytorch_lightning as pl`): its Trainer is the one that fits it."""
    roots = {cls.__module__.split(".")[0] for cls in type(model).__mro__}
    for package in PACKAGES:
        if package.split(".")[0] in roots:
            module = importlib.import_module(package)
            if isinstance(model, module.LightningModule):
                return module
    raise ObservationError(f"{name}(...) is a {type(model).__name__}, not a LightningModule: derive it from "
                           f"lightning.LightningModule (`import lightning as L`) or pytorch_lightning.LightningModule")


def _batch_counter(pl: types.ModuleType) -> Any:
    class BatchCounter(pl.Callback):
        def __init__(self) -> None:
            self.counts = dict.fromkeys(STAGES, 0)

        def on_train_batch_end(self, *args: Any) -> None:
            self.counts["train"] += 1

        def on_validation_batch_end(self, trainer: Any, *args: Any) -> None:
            if not trainer.sanity_checking:
                self.counts["val"] += 1

        def on_test_batch_end(self, *args: Any) -> None:
            self.counts["test"] += 1

    return BatchCounter()


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def fit(obj: object, name: str, init: Init = (), fast_dev_run: int = 5, batch_size: int = 4,
        num_samples: int = 48, seed: int = 0) -> dict[str, Any]:
    """`Trainer(fast_dev_run=..., default_root_dir=tmp)`: fit, then test; count batches per stage,
    list the logged metric names after each, and every file left in tmp or the working directory."""
    with tempfile.TemporaryDirectory(prefix="pset3-fit-") as tmp, scratch_cwd() as cwd, seeded(seed):
        root = Path(tmp)
        data = TensorDataset(torch.randn(num_samples, 3, 32, 32), torch.randint(0, 10, (num_samples,)))
        loaders = [DataLoader(data, batch_size=batch_size, shuffle=stage == "train") for stage in STAGES]
        with quiet_lightning():
            model = build(obj, name, init)
            pl = lightning_package(model, name)
            counter = _batch_counter(pl)
            trainer = pl.Trainer(fast_dev_run=fast_dev_run, default_root_dir=str(root), accelerator="cpu", devices=1,
                                 callbacks=[counter], enable_progress_bar=False, enable_model_summary=False)
            with running(f"Trainer(fast_dev_run={fast_dev_run}).fit({name}(...))"):
                trainer.fit(model, loaders[0], loaders[1])
            fit_metrics = sorted(trainer.callback_metrics)
            fit_values = _values(trainer.callback_metrics)
            with running(f"Trainer(fast_dev_run={fast_dev_run}).test({name}(...))"):
                trainer.test(model, loaders[2], verbose=False)
            test_metrics = sorted(trainer.callback_metrics)
            test_values = _values(trainer.callback_metrics)
            seen = {stage: _outputs(model, name, loaders[i], fast_dev_run) for i, stage in enumerate(STAGES) if i}
        return {"batches": counter.counts, "fit_metrics": fit_metrics, "test_metrics": test_metrics,
                "fit_values": fit_values, "test_values": test_values, "outputs": seen,
                "files_in_root": _files(root), "files_in_cwd": _files(cwd)}


def _values(metrics: dict[str, Any]) -> dict[str, float | None]:
    """Each logged metric's value as a float (None where it is not one number)."""
    values: dict[str, float | None] = {}
    for key, value in metrics.items():
        single = isinstance(value, torch.Tensor) and value.numel() == 1
        values[str(key)] = float(value.detach()) if single else value if isinstance(value, float) else None
    return values


def _outputs(model: torch.nn.Module, name: str, loader: DataLoader, batches: int) -> dict[str, torch.Tensor]:
    """The fitted module's outputs (eval mode, no autograd) and the labels of the first `batches`
    batches of a loader: what its logged accuracy of that stage is computed from."""
    outputs, labels = [], []
    model.eval()
    with running(f"{name}.forward"), torch.no_grad():
        for images, targets in itertools.islice(loader, batches):
            outputs.append(model(images))
            labels.append(targets)
    return {"outputs": torch.cat(outputs), "labels": torch.cat(labels)}


def _split_config(config: Any) -> tuple[list[Any], list[Any]]:
    """Optimisers and schedulers from any return format Lightning accepts."""
    if isinstance(config, torch.optim.Optimizer):
        return [config], []
    if isinstance(config, dict):
        scheduler = config.get("lr_scheduler")
        scheduler = scheduler.get("scheduler") if isinstance(scheduler, dict) else scheduler
        return [config.get("optimizer")], [scheduler] if scheduler is not None else []
    if isinstance(config, tuple | list):
        if len(config) == 2 and all(isinstance(c, tuple | list) for c in config):
            return list(config[0]), [s.get("scheduler") if isinstance(s, dict) else s for s in config[1]]
        pairs = [_split_config(c) for c in config]
        return [o for p in pairs for o in p[0]], [s for p in pairs for s in p[1]]
    raise ObservationError(f"configure_optimizers returned a {type(config).__name__}, which Lightning does not accept")


def _configured(obj: object, name: str, init: Init) -> tuple[torch.nn.Module, list[Any], list[Any], str]:
    """A module built under seed 0, and what its `configure_optimizers` returns: optimisers, schedulers,
    and the scheduler interval Lightning would step them at ("epoch" unless the config says otherwise)."""
    with seeded(0):
        model = build(obj, name, init)
        with running(f"{name}.configure_optimizers"):
            config = model.configure_optimizers()
        opts, scheds = _split_config(config)
    interval = "epoch"
    if isinstance(config, dict) and isinstance(config.get("lr_scheduler"), dict):
        interval = str(config["lr_scheduler"].get("interval", "epoch"))
    elif isinstance(config, tuple | list) and len(config) == 2 and isinstance(config[1], tuple | list):
        interval = next((str(s.get("interval", "epoch")) for s in config[1] if isinstance(s, dict)), "epoch")
    return model, opts, scheds, interval


def optimization(obj: object, name: str, init: Init = (), steps: int = 3, epochs: int = 200,
                 seed: int = 0) -> dict[str, Any]:
    """What `configure_optimizers` DOES, not what its classes are called.

    Steps: each parameter's value before and after `steps` optimiser steps, the first on gradients
    of zeros (only a decoupled weight decay moves a weight then), the others on gradients drawn here
    from `seed`, returned with them. Schedule: the learning rate of each epoch, from a second call of
    `configure_optimizers`, each scheduler stepped once an epoch, as Lightning steps it by default."""
    model, opts, scheds, interval = _configured(obj, name, init)
    params = list(model.named_parameters())
    start = {n: p.detach().clone() for n, p in params}
    generator = torch.Generator().manual_seed(seed)
    grads: list[dict[str, torch.Tensor]] = []
    after: list[dict[str, torch.Tensor]] = []
    with quiet_lightning():
        for step in range(steps if len(opts) == 1 else 0):
            grads.append({n: torch.zeros_like(p) if step == 0 else torch.randn(p.shape, generator=generator)
                          for n, p in params})
            for n, p in params:
                p.grad = grads[-1][n].clone()
            with running(f"{type(opts[0]).__name__}.step()"):
                opts[0].step()
            after.append({n: p.detach().clone() for n, p in params})
        _, opts, scheds, _ = _configured(obj, name, init)
        rates = []
        for _ in range(epochs if len(opts) == 1 else 0):
            rates.append(float(opts[0].param_groups[0]["lr"]))
            for scheduler in scheds:
                with running(f"{type(scheduler).__name__}.step()"):
                    scheduler.step()
    return {"optimizers": len(opts), "schedulers": len(scheds), "interval": interval,
            "start": start, "grads": grads, "after": after, "rates": rates}
