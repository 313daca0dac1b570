"""What the sandbox costs: the whole spec on one submission, two ways, side by side.

Runs `pytest spec_tests --impl SUBMISSION` both ways, alternating, `--runs` times each, all reading
one synthetic CIFAR-10 written beforehand, and prints the wall times, their medians and the ratio:

- `--compare sandbox` (default): sandboxed and in-process (`--no-sandbox`); issue 5's bound is 1.3x.
- `--compare tamper-check`: sandboxed with the worker's tamper check and without it
  (`--no-tamper-check`); issue 13's bound is 5%.

    python benchmarks/sandbox_overhead.py [--compare sandbox|tamper-check] [--runs 3] [--impl PATH]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from autograde import synthetic_cifar
from autograde.specrun import pytest_command

REPO = Path(__file__).resolve().parent.parent
# The two ways each comparison runs the spec: (name, extra pytest arguments), the costlier way first.
COMPARISONS = {
    "sandbox": (("sandboxed", ()), ("in-process", ("--no-sandbox",))),
    "tamper-check": (("checked", ()), ("unchecked", ("--no-tamper-check",))),
}


def timed_run(impl: Path, data_root: Path, extra: tuple[str, ...]) -> float:
    cmd = pytest_command(impl, "--data-root", str(data_root), "-q", *extra)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stdout[-3000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", choices=sorted(COMPARISONS), default="sandbox",
                        help="what to compare (default: sandboxed and in-process)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind (default 3)")
    parser.add_argument("--impl", type=Path, default=REPO / "examples/submissions/correct.py",
                        help="a submission that passes the whole spec (default: the correct example)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pset3-bench-") as tmp:
        root = synthetic_cifar.write(Path(tmp) / "cifar10")
        ways = COMPARISONS[args.compare]
        times: dict[str, list[float]] = {name: [] for name, _ in ways}
        for _ in range(args.runs):
            for name, extra in ways:
                times[name].append(timed_run(args.impl.resolve(), root, extra))
    medians = {kind: statistics.median(walls) for kind, walls in times.items()}
    for kind, walls in times.items():
        print(f"{kind:>10}: " + " / ".join(f"{w:.2f}" for w in walls) + f" s, median {medians[kind]:.2f} s")
    (costly, _), (cheap, _) = ways
    print(f"     ratio: {medians[costly] / medians[cheap]:.3f}x ({costly} / {cheap} medians)")


if __name__ == "__main__":
    main()
