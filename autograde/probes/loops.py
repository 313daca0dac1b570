"""Observing a submission's Part 3 code: its loaders, its training loop and its evaluation.

`train` and `evaluate` are run on a small network and data made here (trusted, fast), so their
observations depend on the loop alone, not on the submission's CifarNet (another question). The
data are big enough for the tutorial's log interval: 4,000 mini-batches of one image.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from autograde.errors import ObservationError
from autograde.probes.core import running, scratch_cwd, seeded
from autograde.probes.data import _base_indices, no_network, recording_reads
from autograde.synthetic_cifar import relax_integrity_check


def probe_net() -> nn.Module:
    """A small convnet for loops to train: cheap per step, and conv + linear like CifarNet."""
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))


def probe_data(samples: int, seed: int) -> TensorDataset:
    generator = torch.Generator().manual_seed(seed)
    images = torch.randn(samples, 3, 8, 8, generator=generator)
    labels = (images[:, 0].mean(dim=(1, 2)) > 0).long() + 2 * (images[:, 1].mean(dim=(1, 2)) > 0).long()
    return TensorDataset(images, labels)


def _sampler_order(loader: Any, count: int) -> list[int]:
    """The first `count` dataset positions the loader would read, without reading any item."""
    sampler = loader.batch_sampler if getattr(loader, "batch_sampler", None) is not None else loader.sampler
    positions = []
    for chunk in itertools.islice(iter(sampler), count):
        positions.extend(chunk if isinstance(chunk, list | tuple) else [chunk])
    return [int(p) for p in positions[:count]]


def _describe_loader(loader: Any, what: str) -> dict[str, Any]:
    if not isinstance(loader, DataLoader):
        raise ObservationError(f"{what} is a {type(loader).__name__}, not a torch DataLoader")
    with running(f"len({what}.dataset)"):
        length = len(loader.dataset)
    where = _base_indices(loader.dataset)
    with running(f"iterating {what}'s sampler"):
        orders = [_sampler_order(loader, 16) for _ in range(2)]
    mapped = [[where[1][p] for p in order] for order in orders] if where else orders
    return {"length": length, "base": None if where is None else ("train" if where[0] else "test"),
            "batch_size": loader.batch_size, "sampler": type(loader.sampler).__name__, "first_indices": mapped}


def loaders(obj: object, name: str, root: str, batch_size: int | None = None) -> dict[str, Any]:
    """The two loaders `make_loaders(root)` returns: dataset lengths and bases, samplers, two
    passes over the first indices of each, and the first batch of the training loader."""
    args = (root,) if batch_size is None else (root, batch_size)
    with relax_integrity_check(), no_network(root), scratch_cwd(), recording_reads(), seeded(0):
        with running(f"{name}({root!r})"):
            result = obj(*args)
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise ObservationError(f"{name} returned a {type(result).__name__}, expected (train_loader, test_loader)")
        observed = {split: _describe_loader(loader, f"{split}_loader") for split, loader in zip(
            ("train", "test"), result, strict=True)}
        with running("next(iter(train_loader))"):
            batch = next(iter(result[0]))
    observed["first_batch"] = list(batch) if isinstance(batch, tuple | list) else batch
    return observed


def train_loop(obj: object, name: str, epochs: int = 1, lr: float = 0.001, momentum: float = 0.9,
               samples: int = 4000, batch_size: int = 1, seed: int = 0) -> dict[str, Any]:
    """Run `train(net, loader, epochs, lr, momentum)` on the probe net and an unshuffled loader;
    return the final weights and the log (values, and each entry's type name)."""
    with seeded(seed), scratch_cwd():
        net = probe_net()
        loader = DataLoader(probe_data(samples, seed), batch_size=batch_size, shuffle=False)
        with running(f"{name}(net, loader, epochs={epochs}, lr={lr}, momentum={momentum})"):
            log = obj(net, loader, epochs=epochs, lr=lr, momentum=momentum)
    if not isinstance(log, list | tuple):
        raise ObservationError(f"{name} returned a {type(log).__name__}, expected the running-loss log (a list)")
    return {"weights": {k: v.detach().clone() for k, v in net.state_dict().items()},
            "log": [float(x) if isinstance(x, int | float | torch.Tensor) and torch.tensor(x).numel() == 1 else None
                    for x in log],
            "log_types": [type(x).__name__ for x in log]}


def evaluate(obj: object, name: str, samples: int = 64, batch_size: int = 4, seed: int = 0) -> dict[str, Any]:
    """Run `evaluate(net, loader)` on the probe net; return what it returned (value and type) and
    whether autograd was on in each forward it ran."""
    with seeded(seed), scratch_cwd():
        net = probe_net()
        loader = DataLoader(probe_data(samples, seed), batch_size=batch_size, shuffle=False)
        grad_modes: list[bool] = []
        net.register_forward_pre_hook(lambda module, args: grad_modes.append(torch.is_grad_enabled()))
        with running(f"{name}(net, loader)"):
            result = obj(net, loader)
    plain = isinstance(result, int | float) and not isinstance(result, bool)
    return {"value": float(result) if plain or isinstance(result, torch.Tensor) and result.numel() == 1 else None,
            "type": type(result).__name__, "grad_modes": grad_modes}
