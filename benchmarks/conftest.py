"""Benchmark set-up: results stored per device model, machine info that names the GPU and the
torch/CUDA versions, and the devices to parametrise over (CUDA ones need the gpu marker)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

DEFAULT_STORAGE = "file://./.benchmarks"
THROUGHPUT = pytest.StashKey[list[str]]()  # one line per ViT training benchmark, printed at the end
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


DEVICES = [pytest.param("cpu", id="cpu"), pytest.param("cuda", id="cuda", marks=pytest.mark.gpu)]


def synchronize(device: str) -> None:
    """Benchmarks time finished work: wait for CUDA's queue to drain."""
    if device == "cuda":
        torch.cuda.synchronize()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Images per second and TFLOP/s of both ViT training paths, next to each other."""
    lines = config.stash.get(THROUGHPUT, [])
    if lines:
        terminalreporter.write_sep("-", "ViT training throughput (median round)")
        for line in lines:
            terminalreporter.write_line(line)
