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
import functools
import subprocess
import sys
import tempfile
from pathlib import Path

from autograde.batch.specrun import pytest_command
from autograde.common import synthetic_cifar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere
from benchmarks.alternate import alternate, report  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# The two ways each comparison runs the spec: (name, extra pytest arguments), the costlier way first.
COMPARISONS = {
    "sandbox": (("sandboxed", ()), ("in-process", ("--no-sandbox",))),
    "tamper-check": (("checked", ()), ("unchecked", ("--no-tamper-check",))),
}


def spec_run(impl: Path, data_root: Path, extra: tuple[str, ...]) -> None:
    cmd = pytest_command(impl, "--data-root", str(data_root), "-q", *extra)
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stdout[-3000:]}")


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
        ways = {name: functools.partial(spec_run, args.impl.resolve(), root, extra)
                for name, extra in COMPARISONS[args.compare]}
        print(report(alternate(ways, args.runs)))


if __name__ == "__main__":
    main()
