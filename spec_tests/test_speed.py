"""Speed spec: the implementation's forward pass and training step are at most `--speed-ratio` times
(default 5) slower than the reference's, timed side by side in this run on the same device.

Rounds alternate between the two so that a noisy machine slows both alike; each side's figure is the
median over all its timed calls. Runs on CUDA when there is one, else on the CPU (smaller batches).
In each round the implementation may spend BUDGET times the allowed ratio of the reference's time in
that round: a grossly slow one is timed once per round and fails in seconds rather than minutes.
"""

from __future__ import annotations

import statistics
from typing import Any, NamedTuple

import pytest
import torch

from autograde.common.problemset import UVA_CONFIG

ROUNDS = 3
BUDGET = 2.0  # the implementation's time per round, in multiples of ratio x the reference's
MIN_BUDGET_S = 0.1


class Model(NamedTuple):
    question: str
    name: str
    init: Any
    item_shape: tuple[int, ...]  # one input without the batch dimension
    cpu_batch: int
    gpu_batch: int


# Each row has a mutant that computes the right numbers too slowly (mutants.toml, tier = "all").
MODELS = [
    Model("1.6", "VisionTransformer", UVA_CONFIG, (3, 32, 32), 4, 128),
    Model("2.6", "LeNetRBF", (), (1, 32, 32), 16, 128),
    Model("3.2", "CifarNet", (), (3, 32, 32), 16, 128),
]


@pytest.fixture(scope="session")
def timing_device() -> str:
    """Timings run on CUDA when there is one, else on the CPU."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def side_by_side(impl, ref, model: Model, step: str, device: str, ratio: float) -> tuple[float, float]:
    """Median seconds per call of (implementation, reference), over ROUNDS alternating rounds."""
    batch = model.gpu_batch if device == "cuda" else model.cpu_batch
    x = torch.randn(batch, *model.item_shape)
    kw = {"init": model.init, "step": step, "device": device}
    kw["repeats"], kw["warmup"] = (20, 5) if device == "cuda" else (3, 1)
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(ROUNDS):
        round_ref = ref.timing(model.name, x, **kw)
        budget = max(BUDGET * ratio * sum(round_ref), MIN_BUDGET_S)
        mine += impl.timing(model.name, x, budget_s=budget, **kw)
        theirs += round_ref
    return statistics.median(mine), statistics.median(theirs)


@pytest.mark.benchmark
@pytest.mark.parametrize("step", ["forward", "train"])
@pytest.mark.parametrize("model", [pytest.param(m, marks=pytest.mark.question(m.question), id=m.name)
                                   for m in MODELS])
def test_no_more_than_ratio_slower_than_the_reference(impl, ref, model, step, timing_device, speed_ratio,
                                                     record_property):
    mine, theirs = side_by_side(impl, ref, model, step, timing_device, speed_ratio)
    ratio = mine / theirs
    for key, value in (("ms", mine * 1e3), ("reference_ms", theirs * 1e3), ("ratio", ratio)):
        record_property(key, f"{value:.3f}")
    print(f"{model.name} {step} on {timing_device}: {mine * 1e3:.2f} ms vs reference {theirs * 1e3:.2f} ms "
          f"= {ratio:.2f}x")
    assert ratio <= speed_ratio, (
        f"{model.name}'s {step} step takes {mine * 1e3:.2f} ms on {timing_device}, the reference's "
        f"{theirs * 1e3:.2f} ms: {ratio:.1f}x slower (allowed: {speed_ratio:g}x). Look for Python loops "
        f"over the batch, patches or features where one tensor operation would do.")
