"""What the sandbox costs: the whole spec on one submission, sandboxed and in-process, side by side.

Runs `pytest spec_tests --impl SUBMISSION` with and without `--no-sandbox`, alternating, `--runs`
times each, all reading one synthetic CIFAR-10 written beforehand, and prints the wall times, their
medians and the ratio (the acceptance bound of issue 5 is 1.3x).

    python benchmarks/sandbox_overhead.py [--runs 3] [--impl examples/submissions/correct.py]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograde import synthetic_cifar
from autograde.layout import spec_args

REPO = Path(__file__).resolve().parent.parent


def timed_run(impl: Path, data_root: Path, sandboxed: bool) -> float:
    cmd = [sys.executable, "-m", "pytest", *spec_args(impl, "--data-root", str(data_root), "-q",
                                                      *([] if sandboxed else ["--no-sandbox"]))]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stdout[-3000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind (default 3)")
    parser.add_argument("--impl", type=Path, default=REPO / "examples/submissions/correct.py",
                        help="a submission that passes the whole spec (default: the correct example)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pset3-bench-") as tmp:
        root = synthetic_cifar.write(Path(tmp) / "cifar10")
        times: dict[str, list[float]] = {"sandboxed": [], "in-process": []}
        for _ in range(args.runs):
            times["sandboxed"].append(timed_run(args.impl.resolve(), root, sandboxed=True))
            times["in-process"].append(timed_run(args.impl.resolve(), root, sandboxed=False))
    medians = {kind: statistics.median(walls) for kind, walls in times.items()}
    for kind, walls in times.items():
        print(f"{kind:>10}: " + " / ".join(f"{w:.2f}" for w in walls) + f" s, median {medians[kind]:.2f} s")
    print(f"     ratio: {medians['sandboxed'] / medians['in-process']:.2f}x (sandboxed / in-process medians)")


if __name__ == "__main__":
    main()
