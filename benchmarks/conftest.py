"""Benchmark set-up: results stored per device model, machine info that names the GPU and the
torch/CUDA versions, and the devices to parametrise over (CUDA ones need the gpu marker)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

DEFAULT_STORAGE = "file://./.benchmarks"
# (device, path) -> (images/s, text) per ViT training benchmark, printed at the end with ratios
THROUGHPUT = pytest.StashKey[dict[tuple[str, str], tuple[float, str]]]()
REPO = Path(__file__).resolve().parent.parent


def device_model() -> str:
    """What the timings depend on most: the GPU's name, or the CPU's when there is none."""
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    import cpuinfo  # py-cpuinfo comes with pytest-benchmark

    return cpuinfo.get_cpu_info().get("brand_raw", "cpu")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


def pytest_configure(config: pytest.Config) -> None:
    """Keep each device model's saved runs apart: .benchmarks/<device>/ (unless --benchmark-storage is given)."""
    if getattr(config.option, "benchmark_storage", None) == DEFAULT_STORAGE:
        config.option.benchmark_storage = f"file://{REPO / '.benchmarks' / slug(device_model())}"


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    machine_info["device_model"] = device_model()
    machine_info["torch"] = torch.__version__
    machine_info["cuda"] = torch.version.cuda
    machine_info["cudnn"] = torch.backends.cudnn.version() if torch.cuda.is_available() else None
    machine_info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    machine_info["torch_threads"] = torch.get_num_threads()


@pytest.fixture(autouse=True)
def _median_in_junit(request: pytest.FixtureRequest, record_property) -> Iterator[None]:
    """Each benchmark's median also goes into the JUnit XML, which pytest writes even when a run is
    interrupted (its --benchmark-json is written only at a clean end)."""
    yield
    stats = getattr(request.node.funcargs.get("benchmark"), "stats", None)
    if stats is not None:
        record_property("median_ms", f"{stats.stats.median * 1e3:.4f}")


DEVICES = [pytest.param("cpu", id="cpu"), pytest.param("cuda", id="cuda", marks=pytest.mark.gpu)]


def synchronize(device: str) -> None:
    """Benchmarks time finished work: wait for CUDA's queue to drain."""
    if device == "cuda":
        torch.cuda.synchronize()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Images per second and TFLOP/s of every ViT training path, and each fast one against the faithful
    ones measured on the same device in this run."""
    rows = config.stash.get(THROUGHPUT, {})
    if not rows:
        return
    terminalreporter.write_sep("-", "ViT training throughput (median round)")
    for (device, path), (images_per_s, text) in rows.items():
        ratios = [f"{images_per_s / rows[(device, base)][0]:.1f}x {base}"
                  for base in ("faithful", "faithful-loader") if path.startswith("fast") and (device, base) in rows]
        terminalreporter.write_line(text + (f"; {', '.join(ratios)}" if ratios else ""))
