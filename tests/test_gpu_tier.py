"""The GPU tier's machinery, checked where there is no GPU: the gradients and timing probes, the
device comparison, the tier selection and its skip reasons. (That the agreement spec fails a
submission that breaks only on CUDA is the kill matrix's device mutants' job.)"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from autograde.spec.checks import disagreements, largest_errors
from autograde.spec.observe import InProcessImpl
from autograde.spec.tiers import TOLERANCE
from autograde.worker.loading import load_reference
from autograde.worker.probes.devices import gradients, timing
from reference.part2 import LeNetRBF
from spec_tests.test_gpu_agreement import CASES

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def reference():
    return InProcessImpl(load_reference())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_gradients_probe_gives_autograds_gradients(reference, dtype):
    x, upstream = torch.randn(4, 1, 32, 32), torch.randn(4, 10)
    seen = reference.gradients("LeNetRBF", x, upstream=upstream, dtype=dtype)
    assert not x.requires_grad, "the probe must leave the caller's input as it was"
    torch.manual_seed(0)
    model = LeNetRBF().to(getattr(torch, dtype))
    xx = x.to(model.fc1.weight.dtype).requires_grad_()
    out = model(xx)
    out.backward(upstream.to(out.dtype))
    assert torch.equal(seen["output"], out.detach())
    assert torch.equal(seen["input_grads"][0], xx.grad)
    assert list(seen["param_grads"]) == [n for n, _ in model.named_parameters()]
    assert all(torch.equal(seen["param_grads"][n], p.grad) for n, p in model.named_parameters())


def test_the_gradients_probe_called_directly_twice_on_one_input_gives_input_gradients_both_times():
    x, upstream = torch.randn(2, 1, 32, 32), torch.randn(2, 10)
    first, second = (gradients(LeNetRBF, "LeNetRBF", x, upstream=upstream, dtype=d) for d in ("float32", "float64"))
    assert not x.requires_grad
    assert torch.allclose(first["input_grads"][0].double(), second["input_grads"][0], atol=1e-5)


def test_the_device_comparison_accepts_equal_and_names_what_differs(reference):
    x, upstream = torch.randn(2, 3, 32, 32), torch.randn(2, 10)
    seen = reference.gradients("CifarNet", x, upstream=upstream)
    assert disagreements(seen, seen, "float32") == []
    off = {**seen, "param_grads": {**seen["param_grads"]}}
    off["param_grads"]["fc3.weight"] = seen["param_grads"]["fc3.weight"] * 1.01
    found = disagreements(off, seen, "float32")
    assert len(found) == 1 and found[0].startswith("gradient of fc3.weight"), found
    errors = largest_errors(off, seen)
    assert errors["output"] == errors["input_grads"] == 0 and errors["param_grads"] == pytest.approx(0.01, rel=1e-3)
    off["param_grads"]["fc3.bias"] = None
    assert any(f.startswith("gradient of fc3.bias: none on cuda") for f in disagreements(off, seen, "float32"))


class Sleepy(nn.Module):
    """Takes 50 ms a call, whatever its input."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        time.sleep(0.05)
        return x * self.scale


@pytest.mark.parametrize("step", ["forward", "train"])
def test_the_timing_probe_times_each_call_and_stops_when_its_budget_is_spent(step):
    x = torch.ones(2, 3)
    full = timing(Sleepy, "Sleepy", x, step=step, repeats=3, warmup=2)
    assert len(full) == 3 and all(0.05 <= t < 1 for t in full), full
    # Past the budget, the rest of the warm-up is skipped and one call is still timed.
    assert len(timing(Sleepy, "Sleepy", x, step=step, repeats=3, warmup=2, budget_s=0.01)) == 1
    assert len(timing(Sleepy, "Sleepy", x, step=step, repeats=5, warmup=1, budget_s=0.13)) == 2


def run_gpu_tier(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "spec_tests/test_gpu_agreement.py", "--tier", "gpu",
                           "-p", "no:cacheprovider", "-rs", *args], cwd=REPO, capture_output=True, text=True)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA: the agreement tests run instead")
def test_without_cuda_every_gpu_test_skips_with_its_reason():
    run = run_gpu_tier()
    assert run.returncode == 0, run.stdout[-2000:]
    cases = len(CASES) * len(TOLERANCE)
    assert f"{cases} skipped" in run.stdout and "passed" not in run.stdout.splitlines()[-1], run.stdout[-2000:]
    assert "needs CUDA: torch" in run.stdout
