"""GPU tier: every model computes on CUDA what it computes on the CPU.

Same weights (the CPU-built initial state, transplanted), same inputs and upstream gradient drawn on
the CPU, TF32 off; the output, every input gradient and every parameter gradient are compared. An
implementation that builds a tensor on the CPU inside forward, or calls `.cpu()`/`.numpy()` there,
fails here. Errors are measured relative to the CPU tensor's largest magnitude, per dtype.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
import torch

from autograde.common.problemset import UVA_CONFIG
from autograde.spec.checks import disagreements, largest_errors
from autograde.spec.tiers import TOLERANCE

NO_DROPOUT = {**UVA_CONFIG, "dropout": 0.0}


class Case(NamedTuple):
    question: str
    name: str
    init: Any
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]


CASES = [
    Case("1.4", "AttentionBlock", (256, 512, 8, 0.0), (65, 8, 256), (65, 8, 256)),
    Case("1.6", "VisionTransformer", NO_DROPOUT, (8, 3, 32, 32), (8, 10)),
    Case("1.7", "ViT", (NO_DROPOUT, 3e-4), (8, 3, 32, 32), (8, 10)),
    Case("2.3", "MLPNet", (), (8, 32, 32), (8, 10)),
    Case("2.6", "LeNetRBF", (), (8, 1, 32, 32), (8, 10)),
    Case("2.7", "LeNetSequential", (), (8, 1, 32, 32), (8, 10)),
    Case("3.2", "CifarNet", (), (8, 3, 32, 32), (8, 10)),
]


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", sorted(TOLERANCE))
@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.question(c.question), id=c.name) for c in CASES])
def test_cuda_computes_what_the_cpu_computes(impl, case, dtype, record_property):
    weights = impl.state(case.name, init=case.init)
    x = torch.randn(case.input_shape)
    upstream = torch.randn(case.output_shape)
    observed = {device: impl.gradients(case.name, x, upstream=upstream, init=case.init, weights=weights,
                                       device=device, dtype=dtype)
                for device in ("cpu", "cuda")}
    # Kept in the JUnit XML (tools/gpu_check.sh summarises it): the margins the tolerances leave.
    for kind, error in largest_errors(observed["cuda"], observed["cpu"]).items():
        record_property(f"relative_error_{kind}", f"{error:.3e}")
    found = disagreements(observed["cuda"], observed["cpu"], dtype)
    assert not found, f"{case.name} in {dtype} (TF32 off), cuda vs cpu:\n  " + "\n  ".join(found[:8])
