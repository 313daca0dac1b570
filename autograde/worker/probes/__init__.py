"""Probes: the trusted functions that run next to the implementation under test.

Each takes a resolved contract object and its contract name and returns plain data or tensors.
They run in-process for the reference and inside the sandbox worker for submissions, so they
stay small, generic and free of assertions: judging is the spec tests' job. Each probe's signature
is the one declaration of its parameters and defaults: `autograde.spec.observe.Impl` has one method per
entry of PROBES, which forwards what a test passes.
"""

from collections.abc import Callable
from typing import Any

from autograde.worker.probes import core, data, devices, lightning, loops
from autograde.worker.probes.core import Init

PROBES: dict[str, Callable[..., Any]] = {
    "forward": core.forward,
    "forwards": core.forwards,
    "parameters": core.parameters,
    "modules": core.modules,
    "state": core.state,
    "value": core.value,
    "call": core.call,
    "splits": data.splits,
    "fit": lightning.fit,
    "optimization": lightning.optimization,
    "loaders": loops.loaders,
    "train_loop": loops.train_loop,
    "evaluate": loops.evaluate,
    "gradients": devices.gradients,
    "timing": devices.timing,
}

__all__ = ["PROBES", "Init"]
