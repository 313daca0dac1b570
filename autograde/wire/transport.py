"""Plain data and tensors to bytes and back: JSON for structure, safetensors for tensors.

Observations cross the sandbox boundary this way, and the in-process backend round-trips its
results through the same codec so that both backends give tests identical values (tuples stay
tuples, tensors are fresh CPU copies the implementation cannot mutate later). Nothing is ever
unpickled.

Values are read honestly before they leave: a subclass of a built-in type (a `float` whose `__eq__`
is always True, a `list` with its own `__iter__`, a tensor subclass overriding `detach`, `item` or
`__torch_function__`) is read through the built-in type's own methods, which no subclass changes,
and arrives as the plain value it holds. A tensor with its own `__torch_dispatch__` holds no data
of its own to read: it is refused.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from typing import Any

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from autograde.common.errors import ObservationError

_SCALARS = (str, int, float, bool, type(None))
# Taken when this module is imported, in the worker before the submission loads. TensorBase is an
# immutable type: its methods are torch's own whatever a submission does to torch.Tensor.
_TensorBase = torch._C.TensorBase
_no_torch_function = torch._C.DisableTorchFunction
_dispatch_keys, _PYTHON_KEY = torch._C._dispatch_keys, torch._C.DispatchKey.Python
_PLAIN_NAMES = {float: "float", int: "int", bool: "bool", str: "str", list: "list", tuple: "tuple", dict: "dict",
                type(None): "NoneType", torch.Tensor: "Tensor"}


def honest_tensor(value: torch.Tensor) -> torch.Tensor:
    """A plain CPU copy of the tensor's data, made by torch's own methods with every
    `__torch_function__` off: a subclass's overrides never run."""
    if _dispatch_keys(value).has(_PYTHON_KEY):
        raise ObservationError(f"a tensor of type {type_name(value)} has its own __torch_dispatch__: the grader "
                               f"cannot read its data (return a plain torch.Tensor)")
    with _no_torch_function():
        copy = _TensorBase.clone(_TensorBase.contiguous(_TensorBase.to(_TensorBase.detach(value), "cpu")))
    return copy


def plain_number(value: Any) -> float | None:
    """The float a Python int or float, or a one-element tensor, holds (read honestly); None for
    anything else (a bool included)."""
    kind = type(value)
    if kind is bool:
        return None
    if issubclass(kind, float):
        return float.__float__(value)
    if issubclass(kind, int):
        return float(int.__int__(value))
    if issubclass(kind, torch.Tensor):
        copy = honest_tensor(value)
        return float(_TensorBase.item(copy)) if _TensorBase.numel(copy) == 1 else None
    return None


def type_name(value: Any) -> str:
    """`float`, `Tensor`, ... for plain types; a subclass says so (`float64 (a subclass of float)`), so
    that a class named `float` is not taken for one."""
    kind = type(value)
    if kind in _PLAIN_NAMES:
        return _PLAIN_NAMES[kind]
    name = str(type.__dict__["__qualname__"].__get__(kind))
    base = next((_PLAIN_NAMES[k] for k in kind.__mro__ if k in _PLAIN_NAMES and k is not object), None)
    return f"{name} (a subclass of {base})" if base else name


def encode(value: Any) -> tuple[str, bytes]:
    """Encode `value` as (JSON text, safetensors bytes); raise ObservationError on other types."""
    tensors: dict[str, torch.Tensor] = {}

    def walk(v: Any, where: str) -> Any:
        kind = type(v)  # never isinstance: an object's __class__ can lie, its type cannot
        if issubclass(kind, torch.Tensor):
            key = str(len(tensors))
            tensors[key] = honest_tensor(v)
            return {"__tensor__": key}
        if kind is bool or v is None:
            return v
        if issubclass(kind, str):
            return str.__str__(v)
        if issubclass(kind, int):
            return int.__int__(v)
        if issubclass(kind, float):
            f = float.__float__(v)
            return {"__float__": repr(f)} if not math.isfinite(f) else f
        if issubclass(kind, tuple):  # torch.Size included
            return {"__tuple__": [walk(x, f"{where}[{i}]") for i, x in enumerate(tuple.__iter__(v))]}
        if issubclass(kind, list):
            return [walk(x, f"{where}[{i}]") for i, x in enumerate(list.__iter__(v))]
        if issubclass(kind, dict):
            items = list(dict.items(v))
            if all(type(k) is str for k, _ in items):
                return {"__dict__": [[k, walk(x, f"{where}[{k!r}]")] for k, x in items]}
            if all(type(k) in _SCALARS for k, _ in items):
                return {"__dict__": [[walk(k, where), walk(x, f"{where}[{k!r}]")] for k, x in items]}
        raise ObservationError(f"{where} is a {type_name(v)}, which is not plain data or a tensor")

    text = json.dumps(walk(value, "the value"))
    return text, save_tensors(tensors) if tensors else b""


def decode(text: str, blob: bytes) -> Any:
    """Inverse of `encode`: dicts come back as plain dicts in their original order."""
    return rebuild(text, load_tensors(blob) if blob else {})


def rebuild(text: str, tensors: dict[str, torch.Tensor]) -> Any:
    """The value `encode` gave as `text`, its tensors given by their keys (what its blob holds)."""

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
