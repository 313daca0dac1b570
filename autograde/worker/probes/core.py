"""The core probes: build a contract class, transplant weights, run forward passes, list
parameters and modules, read constants, call functions."""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn

from autograde.common.errors import ImplError, ObservationError, SubmissionProblem
from autograde.common.tracebacks import describe, implementation_traceback
from autograde.worker import integrity
from autograde.worker.execution import explain_name_error

Init = Sequence[Any] | Mapping[str, Any]


@contextmanager
def running(what: str, look: bool = True) -> Iterator[None]:
    """Report any exception raised by implementation code as an ImplError naming `what`; in the
    sandbox's worker, then look for anything the code replaced (`autograde.worker.integrity`), before the
    probe goes on to read what it returned. `look=False` for calls repeated thousands of times whose
    results the probe does not read (the worker looks once the probe is done, as after every probe)."""
    try:
        yield
    except SubmissionProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever student code raises is the observation
        cause = explain_name_error(exc)  # a name that a top-level statement which did not run would have defined
        message = f"{what} raised {describe(exc)}" + (f"\n{cause}" if cause else "")
        raise ImplError(message, implementation_traceback(exc)) from None
    finally:
        if look:
            integrity.check(f"while `{what}` ran")


@contextmanager
def scratch_cwd() -> Iterator[Path]:
    """Run the block in a fresh empty working directory (removed afterwards), so files an
    implementation writes to relative paths neither land in ours nor go unseen."""
    previous = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="pset3-cwd-") as tmp:
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(previous)


@contextmanager
def seeded(seed: int, device: str = "cpu") -> Iterator[None]:
    """Seed torch for the block and restore the caller's RNG state afterwards."""
    devices = [torch.device(device).index or 0] if torch.device(device).type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _call_text(name: str, init: Init) -> str:
    args = [repr(a) for a in init] if not isinstance(init, Mapping) else [f"{k}={v!r}" for k, v in init.items()]
    return f"{name}({', '.join(args)})"


def build(obj: object, name: str, init: Init = ()) -> nn.Module:
    """Instantiate a contract class; it must give an nn.Module."""
    if not callable(obj):
        raise ObservationError(f"`{name}` is a {type(obj).__name__}, not a class that can be instantiated")
    with running(_call_text(name, init)):
        model = obj(**init) if isinstance(init, Mapping) else obj(*init)
    if not isinstance(model, nn.Module):
        raise ObservationError(f"{_call_text(name, init)} gave a {type(model).__name__}, not a torch.nn.Module")
    return model


def _shapes(tensors: Sequence[torch.Tensor]) -> list[list[int]]:
    return [list(t.shape) for t in tensors]


def _match(source: list[tuple[str, torch.Tensor]], target: list[tuple[str, torch.Tensor]]) -> list[int] | None:
    """For each target tensor, the index of the source tensor that goes there: by name, then by
    order, then by shape when every shape is unique on both sides."""
    src_names = [n for n, _ in source]
    tgt_names = [n for n, _ in target]
    src_shapes = [tuple(t.shape) for _, t in source]
    tgt_shapes = [tuple(t.shape) for _, t in target]
    if sorted(src_names) == sorted(tgt_names):
        order = [src_names.index(n) for n in tgt_names]
        if all(src_shapes[i] == s for i, s in zip(order, tgt_shapes, strict=True)):
            return order
    if src_shapes == tgt_shapes:
        return list(range(len(source)))
    unique = len(set(src_shapes)) == len(src_shapes) and len(set(tgt_shapes)) == len(tgt_shapes)
    if unique and sorted(src_shapes) == sorted(tgt_shapes):
        return [src_shapes.index(s) for s in tgt_shapes]
    return None


def _zeroed(key: str, zero: Sequence[str]) -> bool:
    return key.rsplit(".", 1)[-1] in zero


def transplant(model: nn.Module, weights: Mapping[str, torch.Tensor], name: str, zero: Sequence[str] = ()) -> None:
    """Load another implementation's weights, matching tensors by name, order or unique shape.

    Tensors named in `zero` (by their last name component, e.g. the contract's `pos_embedding`)
    are left out of the matching on both sides and set to zero, so a mistake in their shape,
    graded by another question, does not keep this comparison from happening.
    """
    state = model.state_dict()
    target = [(k, v) for k, v in state.items() if not _zeroed(k, zero)]
    source = [(k, v) for k, v in weights.items() if not _zeroed(k, zero)]
    order = _match(source, target)
    if order is None:
        raise ObservationError(
            f"cannot transplant the reference's weights into {name}: its state_dict holds {len(target)} "
            f"tensors of shapes {_shapes([t for _, t in target])}, the reference's {len(source)} of shapes "
            f"{_shapes([t for _, t in source])}"
        )
    new_state = OrderedDict((tname, source[i][1]) for (tname, _), i in zip(target, order, strict=True))
    new_state.update((k, torch.zeros_like(v)) for k, v in state.items() if _zeroed(k, zero))
    new_state = OrderedDict((k, new_state[k]) for k in state)
    with running(f"{name}.load_state_dict"):
        model.load_state_dict(new_state)


def _to(value: Any, device: str) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, list | tuple):
        return type(value)(_to(v, device) for v in value)
    return value


def submodule(model: nn.Module, name: str, path: str) -> nn.Module:
    """The module at `path` (as named_modules() names it; "" is the model itself)."""
    found = dict(model.named_modules())
    if path not in found:
        raise ObservationError(f"{name} has no submodule {path!r}; it has {sorted(p for p in found if p)}")
    return found[path]


def stored_in(x: Any, order: Sequence[int]) -> Any:
    """`x` as a view with the same values whose memory holds its dimensions in `order`:
    `(1, 0, 2)` is what `y.transpose(0, 1)` of a contiguous `y` gives, `(0, 2, 3, 1)` is channels_last.
    Other values pass unchanged."""
    if not isinstance(x, torch.Tensor):
        return x
    inverse = sorted(range(len(order)), key=list(order).__getitem__)
    return x.permute(*order).contiguous().permute(*inverse)


def forward(obj: object, name: str, *inputs: Any, init: Init = (), weights: Mapping[str, torch.Tensor] | None = None,
            zero: Sequence[str] = (), module: str = "", mode: str = "eval", seed: int = 0,
            device: str = "cpu") -> Any:
    """Build the model under `seed`, optionally transplant weights, and run one forward pass of
    the model or of its submodule at `module`."""
    return forwards(obj, name, [inputs], init=init, weights=weights, zero=zero, module=module, mode=mode, seed=seed,
                    device=device)[0]


def forwards(obj: object, name: str, batches: Sequence[Sequence[Any]], init: Init = (),
             weights: Mapping[str, torch.Tensor] | None = None, zero: Sequence[str] = (), module: str = "",
             mode: str = "eval", seed: int = 0, device: str = "cpu",
             memory_order: Sequence[int] | None = None) -> list[Any]:
    """`forward` on each of several inputs, in order, with ONE model built under `seed`: so outputs for
    a batch and for its items alone can be compared, and two train-mode passes draw two dropout masks.
    `memory_order` passes each input tensor as a view stored in that dimension order (`stored_in`)."""
    if mode not in ("eval", "train"):
        raise ValueError(f"mode must be 'eval' or 'train', not {mode!r}")
    with seeded(seed, device):
        model = build(obj, name, init)
        if weights is not None:
            transplant(model, weights, name, zero)
        model.train(mode == "train").to(device)
        target = submodule(model, name, module)
        what = f"{name}.{module}.forward" if module else f"{name}.forward"
        outputs = []
        for inputs in batches:
            xs = _to(tuple(inputs), device)
            xs = xs if memory_order is None else tuple(stored_in(x, memory_order) for x in xs)
            shapes = ", ".join(str(list(x.shape)) for x in xs if isinstance(x, torch.Tensor))
            with running(f"{what} on input of shape {shapes}" if len(batches) > 1 else what), torch.no_grad():
                outputs.append(_to(target(*xs), "cpu"))
    return outputs


def parameters(obj: object, name: str, init: Init = ()) -> list[tuple[str, tuple[int, ...], bool]]:
    """`[(name, shape, requires_grad)]` in registration order."""
    with seeded(0):
        model = build(obj, name, init)
    with running(f"{name}.named_parameters"):
        return [(n, tuple(p.shape), bool(p.requires_grad)) for n, p in model.named_parameters()]


def _torch_base(module: nn.Module) -> str:
    """The public torch.nn class a module is or derives from (`Sequential` for a subclass of it)."""
    return next(c.__name__ for c in type(module).__mro__ if getattr(nn, c.__name__, None) is c)


def modules(obj: object, name: str, init: Init = ()) -> list[tuple[str, str, str]]:
    """The module tree as `(path, type name, torch.nn base class name)`, the root's path `""`."""
    with seeded(0):
        model = build(obj, name, init)
    with running(f"{name}.named_modules"):
        return [(path, type(m).__name__, _torch_base(m)) for path, m in model.named_modules()]


def state(obj: object, name: str, init: Init = (), seed: int = 0) -> OrderedDict[str, torch.Tensor]:
    """The initial state_dict under `seed`: weights to transplant into another implementation."""
    with seeded(seed):
        model = build(obj, name, init)
    with running(f"{name}.state_dict"):
        return OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())


def value(obj: object, name: str) -> Any:
    """A constant's value; the transport rejects anything that is not plain data."""
    return obj


def call(obj: object, name: str, *args: Any, seed: int = 0, **kwargs: Any) -> Any:
    """A function's return value under `seed` (the transport rejects what is not data or tensors)."""
    if not callable(obj):
        raise ObservationError(f"`{name}` is a {type(obj).__name__}, not a function")
    with seeded(seed), running(f"{name}(...)"):
        return obj(*args, **kwargs)
