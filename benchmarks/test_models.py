"""Benchmarks of the reference models: forward, forward + backward, and a whole training step.

On CUDA, the sizes the problem set trains at (the UvA ViT at batch 128); on the CPU, small ones
that run in seconds here. Timings synchronise CUDA and warm up first.

    pytest benchmarks --tier gpu [--benchmark-autosave] [--benchmark-compare --benchmark-compare-fail=median:10%]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
import torch
import torch.nn.functional as F

from benchmarks.conftest import DEVICES, synchronize
from reference.part1 import SMALL_CONFIG, UVA_CONFIG, VisionTransformer
from reference.part2 import LeNetRBF
from reference.part3 import CifarNet

pytestmark = pytest.mark.benchmark


class Workload(NamedTuple):
    build: Callable[[str], torch.nn.Module]
    item_shape: tuple[int, ...]
    cpu_batch: int
    gpu_batch: int


WORKLOADS = {
    "vit": Workload(lambda dev: VisionTransformer(**(UVA_CONFIG if dev == "cuda" else SMALL_CONFIG)), (3, 32, 32),
                    8, 128),
    "lenet_rbf": Workload(lambda dev: LeNetRBF(), (1, 32, 32), 64, 128),
    "cifarnet": Workload(lambda dev: CifarNet(), (3, 32, 32), 64, 128),
}
ROUNDS = {"cpu": (10, 2), "cuda": (50, 10)}  # (timed rounds, warm-up rounds)


def setup(name: str, device: str) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor, torch.optim.Optimizer]:
    work = WORKLOADS[name]
    torch.manual_seed(0)
    batch = work.gpu_batch if device == "cuda" else work.cpu_batch
    model = work.build(device).to(device)
    x = torch.randn(batch, *work.item_shape).to(device)
    y = torch.randint(0, 10, (batch,)).to(device)
    return model, x, y, torch.optim.AdamW(model.parameters(), lr=3e-4)


def run(benchmark: Any, device: str, fn: Callable[[], Any], batch: int) -> None:
    def timed() -> None:
        fn()
        synchronize(device)

    rounds, warmup = ROUNDS[device]
    benchmark.extra_info["batch"] = batch
    benchmark.pedantic(timed, rounds=rounds, iterations=1, warmup_rounds=warmup)


def forward(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
    with torch.no_grad():
        model(x)


def forward_backward(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor,
                     optimizer: torch.optim.Optimizer) -> None:
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()


def training_step(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
    optimizer.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    optimizer.step()


# What is timed: (the model in train mode, one call).
STEPS = {"forward": (False, forward), "forward_backward": (True, forward_backward),
         "training_step": (True, training_step)}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(WORKLOADS))
@pytest.mark.parametrize("step", list(STEPS))
def test_step(benchmark, step, name, device):
    model, x, y, optimizer = setup(name, device)
    train, call = STEPS[step]
    model.train(train)
    run(benchmark, device, lambda: call(model, x, y, optimizer), x.shape[0])
