"""Observing a submission's Part 3 code: its loaders, its training loop and its evaluation.

`train` and `evaluate` are run on a small network and data made here (trusted, fast), so their
observations depend on the loop alone, not on the submission's CifarNet (another question). The
data are big enough for the tutorial's log interval: 4,000 mini-batches of one image.
"""

from __future__ import annotations

import inspect
import itertools
import os
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from autograde.common.errors import ObservationError
from autograde.common.synthetic_cifar import relax_integrity_check
from autograde.wire.transport import plain_number, type_name
from autograde.worker.probes.core import running, scratch_cwd, seeded
from autograde.worker.probes.data import _base_indices, no_network, recording_reads

# torch's own functions and the output's own grad_fn slot, taken when the worker starts, before the
# submission loads: what the probe net records with them a patched torch.is_grad_enabled,
# nn.Module.__call__, hook or torch function mode does not change.
_conv2d, _relu, _flatten, _linear = torch.conv2d, torch.relu, torch.flatten, torch._C._nn.linear
_is_grad_enabled = torch._C.is_grad_enabled
_grad_fn = torch._C.TensorBase.__dict__["grad_fn"].__get__
_no_torch_function = torch._C.DisableTorchFunction
_write, _close, _open = os.write, os.close, open


class ProbeNet(nn.Module):
    """A small convnet for loops to train: cheap per step, and conv + linear like CifarNet (the state
    of `nn.Sequential(Conv2d(3, 4, 3), ReLU(), Flatten(), Linear(144, 10))`, initialised as it is).

    Its forward is written with the functions above and, with `record`, records for each call whether
    autograd tracked it: from the real grad mode and the output's grad_fn, not from anything the code
    under test can replace. The record goes into a pipe, one byte a call, and is read back only after
    the call under test returns: bytes in a pipe can be added to but not rewritten in place (a list
    attribute could be, by one line of the code under test: `net.tracked[:] = ...`)."""

    def __init__(self, record: bool = False) -> None:
        super().__init__()
        self.add_module("0", nn.Conv2d(3, 4, 3))
        self.add_module("3", nn.Linear(4 * 6 * 6, 10))
        self._record = os.pipe() if record else None

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        conv, fc = self._modules["0"]._parameters, self._modules["3"]._parameters
        with _no_torch_function():
            out = _linear(_flatten(_relu(_conv2d(images, conv["weight"], conv["bias"])), 1), fc["weight"], fc["bias"])
            if self._record is not None:
                _write(self._record[1], b"1" if _is_grad_enabled() or _grad_fn(out) is not None else b"0")
        return out

    def tracked(self) -> list[bool]:
        """Whether autograd tracked each forward so far; the record is closed after this."""
        read_end, write_end = self._record
        _close(write_end)
        with _open(read_end, "rb") as record:
            return [byte == ord("1") for byte in record.read()]


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


# What a loop of its own may also ask for, by the names tutorials give it, and what the probe passes.
SYNONYMS = {"epochs": ("epochs", "num_epochs", "n_epochs", "epoch", "n_epoch"),
            "lr": ("lr", "learning_rate", "eta"), "momentum": ("momentum", "mom")}
EXTRAS: dict[tuple[str, ...], Any] = {
    ("criterion", "loss_fn", "loss_function", "lossfn", "loss"): lambda net, kw: nn.CrossEntropyLoss(),
    ("optimizer", "optim", "opt", "optimiser"): lambda net, kw: torch.optim.SGD(
        net.parameters(), lr=kw.get("lr", 0.001), momentum=kw.get("momentum", 0.9)),
    ("device", "dev"): lambda net, kw: "cpu",
}


def bind(obj: object, name: str, net: nn.Module, loader: DataLoader, **wanted: Any) -> tuple[
        tuple[Any, ...], dict[str, Any], list[str], str]:
    """How to call a loop with its own signature, as a TA would: `(net, loader)` first, then each of
    `wanted` by its name (or a tutorial's synonym), else in order into the parameters left; a criterion,
    an optimizer (SGD with `lr` and `momentum`) or a device where it asks for one. Returns the positional
    and keyword arguments, the wanted names it cannot take, and the call as text."""
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):  # no signature to read: the contract's own
        return (net, loader), dict(wanted), [], _call(name, wanted)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params)
    named = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY, p.POSITIONAL_ONLY)][2:]
    kwargs: dict[str, Any] = {}
    left = dict(wanted)
    for param in list(named):
        key = next((k for k, names in SYNONYMS.items() if k in left and param.name.lower() in names), None)
        extra = next((make for names, make in EXTRAS.items() if param.name.lower() in names), None)
        if key is not None:
            kwargs[param.name] = left.pop(key)
        elif extra is not None:
            kwargs[param.name] = extra(net, wanted)
            if isinstance(kwargs[param.name], torch.optim.Optimizer):  # it carries lr and momentum
                left = {k: v for k, v in left.items() if k not in ("lr", "momentum")}
        else:
            continue
        named.remove(param)
    for param in named:  # its other required parameters, in order, take what is left in the contract's order
        if left and param.default is param.empty:
            kwargs[param.name] = left.pop(next(iter(left)))
    if takes_any:
        kwargs.update(left)
        left = {}
    return (net, loader), kwargs, list(left), _call(name, kwargs)


def _call(name: str, kwargs: dict[str, Any]) -> str:
    """The call as the messages show it: `train(net, loader, epochs=1, lr=0.001)`."""
    shown = [f"{k}={v!r}" if isinstance(v, int | float | str) else f"{k}=<{type(v).__name__}>"
             for k, v in kwargs.items()]
    return f"{name}({', '.join(['net', 'loader', *shown])})"


def train_loop(obj: object, name: str, epochs: int = 1, lr: float = 0.001, momentum: float = 0.9,
               samples: int = 4000, batch_size: int = 1, seed: int = 0) -> dict[str, Any]:
    """Run `train(net, loader, epochs, lr, momentum)` on the probe net and an unshuffled loader, with the
    arguments its own signature takes (`bind`); return the final weights, the log (values, and each
    entry's type name; None when it returned no list), and the arguments it could not take."""
    with seeded(seed), scratch_cwd():
        net = ProbeNet()
        loader = DataLoader(probe_data(samples, seed), batch_size=batch_size, shuffle=False)
        args, kwargs, not_taken, call = bind(obj, name, net, loader, epochs=epochs, lr=lr, momentum=momentum)
        with running(call):
            log = obj(*args, **kwargs)
    observed: dict[str, Any] = {"weights": {k: v.detach().clone() for k, v in net.state_dict().items()},
                                "not_taken": not_taken, "call": call, "returned": type_name(log),
                                "log": None, "log_types": None}
    if issubclass(type(log), list | tuple):
        entries = list(list.__iter__(log) if issubclass(type(log), list) else tuple.__iter__(log))
        observed |= {"log": [plain_number(x) for x in entries], "log_types": [type_name(x) for x in entries]}
    return observed


def evaluate(obj: object, name: str, samples: int = 64, batch_size: int = 4, seed: int = 0) -> dict[str, Any]:
    """Run `evaluate(net, loader)` on the probe net; return what it returned (its value and type, read
    honestly) and whether autograd tracked each forward it ran (see ProbeNet)."""
    with seeded(seed), scratch_cwd():
        net = ProbeNet(record=True)
        loader = DataLoader(probe_data(samples, seed), batch_size=batch_size, shuffle=False)
        args, kwargs, _, call = bind(obj, name, net, loader)
        try:
            with running(call):
                result = obj(*args, **kwargs)
        finally:
            grad_modes = ProbeNet.tracked(net)  # the class's own method, taken now: net's could be replaced
    return {"value": plain_number(result), "type": type_name(result), "grad_modes": grad_modes}
