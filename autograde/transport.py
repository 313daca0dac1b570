"""Plain data and tensors to bytes and back: JSON for structure, safetensors for tensors.

Observations cross the sandbox boundary this way, and the in-process backend round-trips its
results through the same codec so that both backends give tests identical values (tuples stay
tuples, tensors are fresh CPU copies the implementation cannot mutate later). Nothing is ever
unpickled.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from typing import Any

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from autograde.errors import ObservationError

_SCALARS = (str, int, float, bool, type(None))


def encode(value: Any) -> tuple[str, bytes]:
    """Encode `value` as (JSON text, safetensors bytes); raise ObservationError on other types."""
    tensors: dict[str, torch.Tensor] = {}

    def walk(v: Any, where: str) -> Any:
        if isinstance(v, torch.Tensor):
            key = str(len(tensors))
            tensors[key] = v.detach().to("cpu").contiguous().clone()
            return {"__tensor__": key}
        if isinstance(v, bool | str | type(None)):
            return v
        if isinstance(v, int):
            return int(v)
        if isinstance(v, float):
            return {"__float__": repr(v)} if not math.isfinite(v) else float(v)
        if isinstance(v, tuple):  # torch.Size included
            return {"__tuple__": [walk(x, f"{where}[{i}]") for i, x in enumerate(v)]}
        if isinstance(v, list):
            return [walk(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if isinstance(v, dict):
            if all(isinstance(k, str) for k in v):
                return {"__dict__": [[k, walk(x, f"{where}[{k!r}]")] for k, x in v.items()]}
            if all(isinstance(k, _SCALARS) for k in v):
                return {"__dict__": [[walk(k, where), walk(x, f"{where}[{k!r}]")] for k, x in v.items()]}
        raise ObservationError(f"{where} is a {type(v).__name__}, which is not plain data or a tensor")

    text = json.dumps(walk(value, "the value"))
    return text, save_tensors(tensors) if tensors else b""


def decode(text: str, blob: bytes) -> Any:
    """Inverse of `encode`: dicts come back as plain dicts in their original order."""
    tensors = load_tensors(blob) if blob else {}

    def walk(v: Any) -> Any:
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            if "__tensor__" in v:
                return tensors[v["__tensor__"]]
            if "__tuple__" in v:
                return tuple(walk(x) for x in v["__tuple__"])
            if "__float__" in v:
                return float(v["__float__"])
            if "__dict__" in v:
                return OrderedDict((walk(k), walk(x)) for k, x in v["__dict__"])
        return v

    return walk(json.loads(text))


def roundtrip(value: Any) -> Any:
    """What the other side of the boundary would see."""
    return decode(*encode(value))
