"""Recorded reference answers: how the student kit checks a submission without the reference.

The staff build records what the reference answers to every request the spec makes of `ref` under
the public seed (`Recorder`, `pytest --record-answers FILE`); the kit ships that file and serves it
(`RecordedImpl`), as CS336 ships snapshots of expected outputs instead of code. A request is found by
its structure (probe, name, every non-tensor argument: the JSON half of its encoding) and then by its
tensors, compared with a tolerance: the inputs a student's machine draws from seed 0 may differ from
the recording machine's in the last bits (another CPU's vectorised RNG), never by more. A request the
recording lacks, or one that needs the live reference (timings), is not checked by the kit: the test
is skipped with `NOT_IN_KIT`, counted neither passed nor failed.

The file is one safetensors file: every distinct tensor once, named by its digest (the weights a
test transplants are both an answer and part of the next request), and the index in its metadata.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from autograde.spec.observe import UNCACHED_PROBES, Impl

FORMAT = "1"
RECORDED_SEED = 0  # the public seed: the kit's answers are the reference's under it, and only under it
NOT_IN_KIT = "checked when your course grades it"
# Inputs drawn from one seed on two machines agree to a few ulps; two seeds' inputs never come this close.
RTOL, ATOL = 1e-4, 1e-6

Encoded = tuple[str, dict[str, Any]]  # JSON text and its tensors by key, as `transport.encode` gives them


def _split(encoded: tuple[str, bytes]) -> Encoded:
    from safetensors.torch import load

    return encoded[0], load(encoded[1]) if encoded[1] else {}


class Recorder(Impl):
    """Wraps the live reference: answers as it does, and keeps every request and answer."""

    def __init__(self, live: Impl) -> None:
        self.live = live
        self.entries: dict[tuple[str, bytes], Encoded] = {}

    def _observe(self, probe: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        from autograde.wire.transport import encode

        answer = self.live._observe(probe, name, args, kwargs)
        if probe not in UNCACHED_PROBES:
            self.entries[encode((probe, name, args, kwargs))] = _split(encode(answer))
        return answer

    def write(self, path: Path) -> None:
        from safetensors.torch import save_file

        from autograde import __version__

        pool: dict[str, Any] = {}

        def pooled(tensors: dict[str, Any]) -> dict[str, str]:
            digests = {}
            for key, tensor in tensors.items():
                digest = hashlib.sha256(f"{tensor.dtype}{list(tensor.shape)}".encode()
                                        + tensor.numpy().tobytes()).hexdigest()[:32]
                pool.setdefault(digest, tensor)
                digests[key] = digest
            return digests

        rows = [[text, pooled(_split((text, blob))[1]), answer, pooled(tensors)]
                for (text, blob), (answer, tensors) in self.entries.items()]
        index = {"format": FORMAT, "seed": str(RECORDED_SEED), "pset3": __version__, "entries": json.dumps(rows)}
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file(pool, str(path), metadata=index)


class Entry:
    """One recorded request and the reference's answer."""

    def __init__(self, request: Encoded, answer: Encoded) -> None:
        self.request, self.answer = request, answer

    def matches(self, asked: dict[str, Any]) -> bool:
        """Whether `asked` (a request's tensors) are this request's, up to the last bits of floats."""
        import torch

        mine = self.request[1]
        return mine.keys() == asked.keys() and all(
            mine[k].shape == asked[k].shape and mine[k].dtype == asked[k].dtype
            and (torch.equal(mine[k], asked[k])
                 or (mine[k].is_floating_point() and torch.allclose(mine[k], asked[k], RTOL, ATOL)))
            for k in asked)


def read(path: Path) -> dict[str, list[Entry]]:
    """The recording at `path`, by request structure; a clear error for a file that is not one."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            index = f.metadata() or {}
            if index.get("format") != FORMAT or index.get("seed") != str(RECORDED_SEED):
                raise ValueError(f"format {index.get('format')!r}, seed {index.get('seed')!r}")
            pool = {key: f.get_tensor(key) for key in f.keys()}  # noqa: SIM118 - safe_open has no iterator
        rows = json.loads(index["entries"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a recording of the reference's answers (format {FORMAT}, seed "
                         f"{RECORDED_SEED}): {exc}; build it again with `pset3 kit`") from None
    by_structure: dict[str, list[Entry]] = {}
    for text, request, answer, tensors in rows:
        from_pool = lambda digests: {k: pool[d] for k, d in digests.items()}  # noqa: E731
        entry = Entry((text, from_pool(request)), (answer, from_pool(tensors)))
        by_structure.setdefault(text, []).append(entry)
    return by_structure


class RecordedImpl(Impl):
    """The reference, as recorded: answers only what it was asked when the recording was made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries = read(path)

    def _observe(self, probe: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        import pytest

        from autograde.wire.transport import encode, rebuild

        if probe in UNCACHED_PROBES:
            pytest.skip(f"{NOT_IN_KIT}: it times the reference beside your code, which the kit does not carry")
        text, asked = _split(encode((probe, name, args, kwargs)))
        for entry in self.entries.get(text, []):
            if entry.matches(asked):
                return rebuild(*entry.answer)
        pytest.skip(f"{NOT_IN_KIT}: the kit has no recorded answer of the reference for this check "
                    f"({probe} on {name})")
