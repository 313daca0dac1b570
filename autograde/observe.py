"""The observation API (DESIGN.md section 3): what spec tests may ask of an implementation.

Tests hold an `Impl` and ask it for plain data and tensors; they never touch an implementation's
objects. `InProcessImpl` runs the probes in this process (the reference, `--no-sandbox`); a
sandboxed backend only has to implement `_observe`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # torch is imported on first use: the pytest plugin loads this module before torch
    import torch

    from autograde.loading import Submission
    from autograde.probes import Init


class Param(NamedTuple):
    name: str
    shape: tuple[int, ...]
    requires_grad: bool


class Module(NamedTuple):
    path: str
    type: str
    torch_base: str  # the torch.nn class it is or derives from


class Impl:
    """An implementation under test, seen only through observations."""

    label: str
    is_reference: bool = False

    def _observe(self, probe: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _ask(self, probe: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """One observation. A `seed` is a spec test's offset: the probe gets this run's seed for it
        (`autograde.seeding`), so a submission sees the grading seed's inputs only when asked."""
        from autograde.seeding import derive

        if "seed" in kwargs:
            kwargs = {**kwargs, "seed": derive(kwargs["seed"])}
        return self._observe(probe, name, args, kwargs)

    def forward(self, name: str, *inputs: Any, init: Init = (), weights: Mapping[str, torch.Tensor] | None = None,
                zero: tuple[str, ...] = (), module: str = "", mode: str = "eval", seed: int = 0,
                device: str = "cpu") -> Any:
        """Output of one forward pass of `name(*init)` built under `seed` (weights transplanted if
        given, tensors named in `zero` zeroed), or of its submodule at path `module`."""
        kwargs = {"init": init, "weights": weights, "zero": zero, "module": module, "mode": mode, "seed": seed,
                  "device": device}
        return self._ask("forward", name, inputs, kwargs)

    def parameters(self, name: str, init: Init = ()) -> list[Param]:
        return [Param(*p) for p in self._ask("parameters", name, (), {"init": init})]

    def modules(self, name: str, init: Init = ()) -> list[Module]:
        return [Module(*m) for m in self._ask("modules", name, (), {"init": init})]

    def state(self, name: str, init: Init = (), seed: int = 0) -> dict[str, torch.Tensor]:
        return self._ask("state", name, (), {"init": init, "seed": seed})

    def value(self, name: str) -> Any:
        return self._ask("value", name, (), {})

    def call(self, name: str, *args: Any, seed: int = 0, **kwargs: Any) -> Any:
        """The return value of the function `name(*args, **kwargs)`, run under `seed`."""
        return self._ask("call", name, args, {"seed": seed, **kwargs})

    def splits(self, name: str, root: str, seed: int = 42, reads: dict[str, list[int]] | None = None,
               repeats: int = 2) -> dict[str, Any]:
        """Observations of the datasets `name(root, seed=seed)` builds (see probes/data.py)."""
        return self._ask("splits", name, (str(root),), {"seed": seed, "reads": reads, "repeats": repeats})

    def fit(self, name: str, init: Init = (), fast_dev_run: int = 5, seed: int = 0) -> dict[str, Any]:
        """Batch counts, logged metric names and files left by a fast_dev_run fit and test."""
        return self._ask("fit", name, (), {"init": init, "fast_dev_run": fast_dev_run, "seed": seed})

    def optimizers(self, name: str, init: Init = ()) -> dict[str, Any]:
        return self._ask("optimizers", name, (), {"init": init})

    def loaders(self, name: str, root: str) -> dict[str, Any]:
        """The loaders `name(root)` returns: lengths, bases, samplers, first indices, a first batch."""
        return self._ask("loaders", name, (str(root),), {})

    def train_loop(self, name: str, epochs: int = 1, lr: float = 0.001, momentum: float = 0.9,
                   samples: int = 4000, seed: int = 0) -> dict[str, Any]:
        """Final weights and log of `name(net, loader, ...)` on the probe's net and data."""
        return self._ask("train_loop", name, (), {"epochs": epochs, "lr": lr, "momentum": momentum,
                                                      "samples": samples, "seed": seed})

    def evaluate(self, name: str, samples: int = 64, seed: int = 0) -> dict[str, Any]:
        """What `name(net, loader)` returns on the probe's net, and the grad mode in its forwards."""
        return self._ask("evaluate", name, (), {"samples": samples, "seed": seed})

    def gradients(self, name: str, *inputs: torch.Tensor, upstream: torch.Tensor, init: Init = (),
                  weights: Mapping[str, torch.Tensor] | None = None, seed: int = 0, device: str = "cpu",
                  dtype: str = "float32") -> dict[str, Any]:
        """Output, input gradients and parameter gradients of one eval-mode forward and backward of
        `name(*init)` on `device` in `dtype`, TF32 off (see probes/devices.py)."""
        return self._ask("gradients", name, inputs, {"upstream": upstream, "init": init, "weights": weights,
                                                         "seed": seed, "device": device, "dtype": dtype})

    def timing(self, name: str, *inputs: torch.Tensor, init: Init = (), step: str = "forward",
               device: str = "cpu", repeats: int = 10, warmup: int = 3,
               budget_s: float | None = None, seed: int = 0) -> list[float]:
        """Seconds per call of a forward pass or a training step, up to `repeats` times after `warmup`
        (fewer, at least one, once `budget_s` is spent)."""
        return self._ask("timing", name, inputs, {"init": init, "step": step, "device": device,
                                                      "repeats": repeats, "warmup": warmup,
                                                      "budget_s": budget_s, "seed": seed})

    def names(self) -> list[str]:
        """Every public top-level name the implementation defines."""
        raise NotImplementedError

    def load_report(self) -> list[str]:
        """What loading the implementation noted (files ignored) and how it failed, if it did."""
        return []


def describe_load(notes: list[str], files: list[dict[str, Any]], import_errors: list[tuple[str, str]]) -> list[str]:
    """The load report: notes (files ignored), each file's statements that did not run, load errors."""
    from autograde.execution import describe_file

    lines = list(notes)
    lines += [describe_file(f) for f in files if f["skipped"]]
    for message, detail in import_errors:
        lines.append(f"The submission did not load: {message}" + (f"\n{detail}" if detail else ""))
    return lines


# Answers of the reference by request, for this process (see InProcessImpl._observe); timings are
# measurements, never reused.
_REFERENCE_ANSWERS: dict[bytes, tuple[str, bytes]] = {}
UNCACHED_PROBES = frozenset({"timing"})


class InProcessImpl(Impl):
    """Runs probes in this process. Arguments and results cross the same codec as the sandbox's."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        self.label = submission.label
        self.is_reference = submission.is_reference

    def _observe(self, probe: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        from autograde.probes import PROBES
        from autograde.transport import decode, encode, roundtrip

        obj = self.submission.resolve(name)
        if probe in UNCACHED_PROBES or not self._is_the_references(name, obj):
            args, kwargs = roundtrip((args, kwargs))
            return roundtrip(PROBES[probe](obj, name, *args, **kwargs))
        # The reference is trusted and its probes are seeded: the same request gives the same answer, so
        # a process that runs the spec many times (the kill matrix) asks each question of it once, and a
        # mutant asks only about the name it overrides (the others are the reference's own objects).
        request = encode((probe, name, args, kwargs))
        key = hashlib.sha256(request[0].encode() + request[1]).digest()
        if key not in _REFERENCE_ANSWERS:
            _, _, args, kwargs = decode(*request)  # the probe sees what crossed the codec, as in the sandbox
            _REFERENCE_ANSWERS[key] = encode(PROBES[probe](obj, name, *args, **kwargs))
        return decode(*_REFERENCE_ANSWERS[key])

    def _is_the_references(self, name: str, obj: object) -> bool:
        """Whether `obj` is the reference's own object for `name` (the reference, or a name a mutant
        re-exports from it): what a probe observes of it is then the reference's answer."""
        from autograde.loading import reference_object

        return self.is_reference or obj is reference_object(name)

    def names(self) -> list[str]:
        return self.submission.defined()

    def load_report(self) -> list[str]:
        sub = self.submission
        errors = [(e.message, e.detail) for e in sub.import_errors]
        return describe_load(sub.notes, [f.report() for f in sub.files], errors)
