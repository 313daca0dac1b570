"""Probes for the GPU tier: gradients on a chosen device and dtype (CUDA/CPU agreement), and timings
of forward passes and training steps (the speed spec)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from autograde.common.errors import ObservationError
from autograde.worker.probes.core import Init, _to, build, running, seeded, transplant

DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}


@contextmanager
def exact_float32() -> Iterator[None]:
    """TF32 off for the block: agreement is judged on real float32 arithmetic on both devices."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def _dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise ObservationError(f"dtype must be one of {sorted(DTYPES)}, not {name!r}")
    return DTYPES[name]


def _model(obj: object, name: str, init: Init, weights: Mapping[str, torch.Tensor] | None, device: str,
           dtype: torch.dtype) -> nn.Module:
    model = build(obj, name, init)
    if weights is not None:
        transplant(model, weights, name)
    with running(f"{name}.to({device}, {dtype})"):
        return model.to(device=device, dtype=dtype)


def gradients(obj: object, name: str, *inputs: torch.Tensor, upstream: torch.Tensor | None = None, init: Init = (),
              weights: Mapping[str, torch.Tensor] | None = None, seed: int = 0, device: str = "cpu",
              dtype: str = "float32") -> dict[str, Any]:
    """One forward and backward pass in eval mode on `device` in `dtype`: the output, the gradient of
    every floating input, and of every parameter (None where a parameter got none), all returned on
    the CPU, and the names of the parameters that do not require grad. `upstream` is the gradient fed
    to the output, drawn by the caller on the CPU; by default one drawn here from `seed`, of the
    output's shape, so that the loss depends on every output (whatever shape a mistake gives it)."""
    kind = _dtype(dtype)
    with seeded(seed, device), exact_float32():
        model = _model(obj, name, init, weights, device, kind).eval()
        xs = [x.detach().to(device=device, dtype=kind).requires_grad_() if x.is_floating_point() else x.to(device)
              for x in inputs]
        with running(f"{name}.forward on {device}"):
            out = model(*xs)
        if upstream is None and isinstance(out, torch.Tensor):
            upstream = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed))
        if not isinstance(out, torch.Tensor) or out.shape != upstream.shape:
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            expected = f"a tensor of shape {tuple(upstream.shape)}" if upstream is not None else "a tensor"
            raise ObservationError(f"{name} returned {got} on {device}; the probe expected {expected}")
        with running(f"backward through {name} on {device}"):
            out.backward(upstream.to(device=device, dtype=kind))
    return {"output": _to(out.detach(), "cpu"),
            "input_grads": [None if x.grad is None else x.grad.cpu() for x in xs if x.is_floating_point()],
            "param_grads": OrderedDict((n, None if p.grad is None else p.grad.detach().cpu())
                                       for n, p in model.named_parameters()),
            "frozen": [n for n, p in model.named_parameters() if not p.requires_grad]}


def _synchronize(device: str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def timing(obj: object, name: str, *inputs: torch.Tensor, init: Init = (), step: str = "forward",
           device: str = "cpu", repeats: int = 10, warmup: int = 3, budget_s: float | None = None,
           seed: int = 0) -> list[float]:
    """Wall-clock seconds of up to `repeats` calls after `warmup` untimed ones, CUDA synchronised around
    each: `step="forward"` is an eval-mode forward under no_grad, `"train"` a whole AdamW step
    (zero_grad, forward in train mode, a mean-square loss, backward, step).

    Past `budget_s` seconds in all, the remaining warm-up is skipped and timing stops after at least
    one timed call: a grossly slow implementation is told apart in one call, not in minutes."""
    if step not in ("forward", "train"):
        raise ObservationError(f"step must be 'forward' or 'train', not {step!r}")
    budget = float("inf") if budget_s is None else budget_s
    with seeded(seed, device):
        model = _model(obj, name, init, None, device, torch.float32)
        xs = _to(list(inputs), device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4) if step == "train" else None

        def once() -> None:
            if optimizer is None:
                with torch.no_grad():
                    model.eval()(*xs)
                return
            optimizer.zero_grad(set_to_none=True)
            model.train()(*xs).float().square().mean().backward()
            optimizer.step()

        times: list[float] = []
        spent, calls = 0.0, 0
        with running(f"{name} ({step} step on {device})"):
            while len(times) < repeats and not (times and spent > budget):
                warming = calls < warmup and spent <= budget
                _synchronize(device)
                start = time.perf_counter()
                once()
                _synchronize(device)
                seconds = time.perf_counter() - start
                spent, calls = spent + seconds, calls + 1
                if not warming:
                    times.append(seconds)
    return times
