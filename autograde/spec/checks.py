"""Assertions and inputs shared by spec tests: explicit tolerances, messages that say expected vs
observed, inputs drawn on the CPU from a seeded generator."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, TypeVar

import torch

from autograde.spec.seeding import derive
from autograde.spec.tiers import TOLERANCE

T = TypeVar("T")

# Tolerances per comparison kind; CPU float32 forward passes of small nets agree far tighter.
CPU_FP32 = {"rtol": 1e-5, "atol": 1e-5}


def rand(*shape: int, seed: int = 0) -> torch.Tensor:
    """Uniform [0, 1) input drawn on the CPU from its own generator (global RNG untouched), seeded
    with this run's seed for `seed` (`autograde.spec.seeding`)."""
    return torch.rand(*shape, generator=torch.Generator().manual_seed(derive(seed)))


def choose(options: Sequence[T], seed: int) -> T:
    """One of `options`, drawn from this run's seed for `seed` (`autograde.spec.seeding`): a size or a
    hyperparameter that a submission cannot know in advance. Call it inside a test, never at import:
    a random grading seed is drawn on first use, after the sandboxed worker has forked."""
    return random.Random(derive(seed)).choice(options)


def assert_tensor(out: Any, what: str) -> torch.Tensor:
    assert isinstance(out, torch.Tensor), f"{what} returned a {type(out).__name__}, expected a tensor"
    return out


def assert_shape(out: Any, expected: tuple[int, ...], what: str) -> torch.Tensor:
    """The output is a tensor of exactly `expected` shape."""
    out = assert_tensor(out, what)
    assert tuple(out.shape) == tuple(expected), (
        f"{what} returned shape {list(out.shape)}, expected {list(expected)}")
    return out


def assert_close(observed: Any, expected: torch.Tensor, what: str, tol: dict[str, float] = CPU_FP32,
                 match_shape: bool = True, against: str = "the reference") -> None:
    """Same shape and values within `tol`; the message names the largest difference.

    `match_shape=False` compares the values of an output with the right number of elements in
    another shape, for questions about values whose shape another question grades: one mistake
    should cost one question. `against` names what `expected` is, for the message.
    """
    observed = assert_tensor(observed, what)
    if not match_shape and observed.numel() == expected.numel():
        observed = observed.reshape(expected.shape)
    observed = assert_shape(observed, tuple(expected.shape), what).to(expected.dtype)
    if torch.allclose(observed, expected, **tol):
        return
    diff = (observed - expected).abs()
    worst = int(diff.argmax())
    raise AssertionError(
        f"{what} differs from {against}: largest difference {diff.max().item():.3g} at flat index {worst} "
        f"(observed {observed.flatten()[worst].item():.6g}, expected {expected.flatten()[worst].item():.6g}); "
        f"tolerance rtol={tol['rtol']}, atol={tol['atol']}")


def module_paths(impl: Any, name: str, kind: str, init: Any = ()) -> list[str]:
    """The paths of the model's modules that are, or derive from, torch.nn's `kind` (e.g. "Dropout")."""
    return [m.path for m in impl.modules(name, init=init) if m.torch_base == kind]


def answer(impl: Any, key: str) -> Any:
    """One entry of the implementation's `ANSWERS` dict, with messages that say what is wrong."""
    answers = impl.value("ANSWERS")
    assert isinstance(answers, dict), f"ANSWERS is a {type(answers).__name__}, expected a dict keyed by question id"
    assert key in answers, f"ANSWERS has no key {key!r}; its keys are {sorted(map(str, answers))}"
    return answers[key]


def relative_error(got: torch.Tensor, want: torch.Tensor) -> float:
    scale = want.abs().max().clamp_min(torch.finfo(want.dtype).tiny)
    return float((got.to(want.dtype) - want).abs().max() / scale)


def _pairs(cuda: dict[str, Any], cpu: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """(kind, what, on cuda, on cpu) for the output, each input gradient and each parameter gradient."""
    pairs = [("output", "output", cuda["output"], cpu["output"])]
    pairs += [("input_grads", f"input gradient {i}", g, w)
              for i, (g, w) in enumerate(zip(cuda["input_grads"], cpu["input_grads"], strict=True))]
    pairs += [("param_grads", f"gradient of {n}", cuda["param_grads"].get(n), g) for n, g in cpu["param_grads"].items()]
    return pairs


def disagreements(cuda: dict[str, Any], cpu: dict[str, Any], dtype: str) -> list[str]:
    """What differs between the two devices' observations beyond the dtype's tolerance."""
    if list(cuda["param_grads"]) != list(cpu["param_grads"]):
        return [f"parameters differ: cuda {list(cuda['param_grads'])}, cpu {list(cpu['param_grads'])}"]
    out_tol, grad_tol = TOLERANCE[dtype]
    found = []
    for kind, what, got, want in _pairs(cuda, cpu):
        tol = out_tol if kind == "output" else grad_tol
        if (got is None) != (want is None):
            found.append(f"{what}: {'none' if got is None else 'present'} on cuda, "
                         f"{'none' if want is None else 'present'} on cpu")
        elif got is not None and (got.shape != want.shape or relative_error(got, want) > tol):
            error = relative_error(got, want) if got.shape == want.shape else float("nan")
            found.append(f"{what}: shapes {tuple(got.shape)} vs {tuple(want.shape)}, max error {error:.2e} of "
                         f"its scale (tolerance {tol:.0e})")
    return found


def largest_errors(cuda: dict[str, Any], cpu: dict[str, Any]) -> dict[str, float]:
    """The largest relative error of the output, the input gradients and the parameter gradients (those
    present on both devices with one shape): the figures the tolerances are calibrated from."""
    largest = {"output": 0.0, "input_grads": 0.0, "param_grads": 0.0}
    for kind, _, got, want in _pairs(cuda, cpu):
        if got is not None and want is not None and got.shape == want.shape:
            largest[kind] = max(largest[kind], relative_error(got, want))
    return largest
