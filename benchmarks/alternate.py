"""Two ways of doing one job, timed alternately on one machine: their wall times, medians and ratio.

These machines are noisy, so a comparison is only quoted from runs made side by side in one
session, each way in turn (the benchmark scripts `sandbox_overhead.py` and `ray_overhead.py`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def alternate(ways: dict[str, Callable[[], None]], runs: int) -> dict[str, list[float]]:
    """Each way's wall times over `runs` rounds, the ways in turn within each round."""
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(runs):
        for name, way in ways.items():
            start = time.perf_counter()
            way()
            times[name].append(time.perf_counter() - start)
    return times


def report(times: dict[str, list[float]]) -> str:
    """Each way's times and median, then the first way's median over the second's."""
    medians = {name: statistics.median(walls) for name, walls in times.items()}
    lines = [f"{name:>10}: " + " / ".join(f"{w:.2f}" for w in walls) + f" s, median {medians[name]:.2f} s"
             for name, walls in times.items()]
    costly, cheap = list(medians)[:2]
    lines.append(f"     ratio: {medians[costly] / medians[cheap]:.3f}x ({costly} / {cheap} medians)")
    return "\n".join(lines)
