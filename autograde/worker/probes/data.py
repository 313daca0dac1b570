"""Observing a submission's dataset code: what `make_cifar10_splits` builds and what reading it gives.

Which CIFAR-10 image each item comes from is recorded where every implementation must pass:
torchvision's `CIFAR10.__getitem__`. Index lists are read off `Subset`-like chains
(`.dataset` + `.indices`) when they lead to the CIFAR10 object, and otherwise by reading every
item once.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import torch

from autograde.common.errors import ObservationError
from autograde.common.synthetic_cifar import relax_integrity_check
from autograde.worker.probes.core import running, scratch_cwd, seeded

SPLITS = ("train", "val", "test")


class ReadLog(list):
    """`(train, index)` of each CIFAR10 item read; while `locating`, a read stops right there."""

    locating = False


class _Located(BaseException):
    """Ends a read once its CIFAR10 index is known (a BaseException: `except Exception` lets it by)."""


@contextmanager
def recording_reads() -> Iterator[ReadLog]:
    """Record `(train, index)` for every CIFAR10 item read inside the block."""
    from torchvision.datasets import CIFAR10

    original = CIFAR10.__getitem__
    log = ReadLog()

    def recorded(self: CIFAR10, index: int) -> Any:
        log.append((bool(self.train), int(index)))
        if log.locating:
            raise _Located
        return original(self, index)

    CIFAR10.__getitem__ = recorded
    try:
        yield log
    finally:
        CIFAR10.__getitem__ = original


@contextmanager
def no_network(root: str) -> Iterator[None]:
    """Connections fail at once with a message naming the data root: a download never hangs."""
    message = (f"no network here: CIFAR-10 is already at the root you were given ({root}); "
               f"read it from there with download=False")

    saved = socket.getaddrinfo, socket.create_connection, socket.socket.connect

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError(message)

    def connect(sock: socket.socket, address: Any) -> Any:  # local (AF_UNIX) sockets: DataLoader workers
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            refuse()
        return saved[2](sock, address)

    socket.getaddrinfo = socket.create_connection = refuse
    socket.socket.connect = connect
    try:
        yield
    finally:
        socket.getaddrinfo, socket.create_connection, socket.socket.connect = saved


def _base_indices(dataset: Any) -> tuple[bool, list[int]] | None:
    """(train flag, CIFAR indices) by walking `.dataset`/`.indices` down to a CIFAR10, else None."""
    from torchvision.datasets import CIFAR10

    if isinstance(dataset, CIFAR10):
        return bool(dataset.train), list(range(len(dataset)))
    inner, indices = getattr(dataset, "dataset", None), getattr(dataset, "indices", None)
    if inner is None or indices is None:
        return None
    below = _base_indices(inner)
    if below is None:
        return None
    return below[0], [below[1][int(i)] for i in indices]


def _read(dataset: Any, position: int, log: ReadLog, what: str) -> dict[str, Any]:
    log.clear()
    with running(f"{what}[{position}]"):
        item = dataset[position]
    if not isinstance(item, tuple | list) or len(item) != 2:
        raise ObservationError(f"{what}[{position}] is a {type(item).__name__}, expected an (image, label) pair")
    image, label = item
    if isinstance(label, torch.Tensor) and label.numel() == 1:
        label = int(label)
    base = log[-1] if log else None
    return {"image": image, "label": label, "base": base}


def _locate(dataset: Any, position: int, log: ReadLog, what: str) -> tuple[bool, int] | None:
    """The CIFAR item that `dataset[position]` reads first, stopping the read there: its image is
    never decoded or transformed, so locating 45,000 items takes a second, not a minute."""
    log.clear()
    log.locating = True
    try:
        with running(f"{what}[{position}]", look=False), suppress(_Located):
            dataset[position]
    finally:
        log.locating = False
    return log[0] if log else None


def _scan(dataset: Any, length: int, log: ReadLog, what: str) -> tuple[bool, list[int]] | None:
    """Where every item comes from, for datasets that are not Subset chains (wrappers of a Subset,
    datasets of their own): each item's first CIFAR read."""
    bases = [_locate(dataset, p, log, what) for p in range(length)]
    if any(b is None for b in bases) or len({b[0] for b in bases}) != 1:
        return None
    return bases[0][0], [b[1] for b in bases]


def splits(obj: object, name: str, root: str, seed: int = 42, reads: Mapping[str, Sequence[int]] | None = None,
           repeats: int = 2) -> dict[str, Any]:
    """Build the three splits and observe them.

    Returns `construction_reads` (CIFAR items read while building), and per split its `length`,
    `base` ("train"/"test" images, or None if unknown), `indices` (an int64 tensor of CIFAR
    indices, or None) and `items`: for each position in `reads[split]`, `repeats` reads of it.
    """
    with relax_integrity_check(), no_network(root), scratch_cwd(), recording_reads() as log, seeded(0):
        with running(f"{name}({root!r}, seed={seed})"):
            result = obj(root, seed=seed)
        observed: dict[str, Any] = {"construction_reads": len(log)}
        if not isinstance(result, tuple | list) or len(result) != 3:
            raise ObservationError(
                f"{name} returned a {type(result).__name__}, expected (train_set, val_set, test_set)")
        for split, dataset in zip(SPLITS, result, strict=True):
            what = f"{split}_set"
            with running(f"len({what})"):
                length = len(dataset)
            where = _base_indices(dataset) or _scan(dataset, length, log, what)
            observed[split] = {
                "length": length,
                "base": None if where is None else ("train" if where[0] else "test"),
                "indices": None if where is None else torch.tensor(where[1], dtype=torch.int64),
                "items": [[_read(dataset, p, log, what) for _ in range(repeats)] for p in (reads or {}).get(split, [])],
            }
    return observed
