"""What `pset3 grade --ray` costs against the local path: one batch graded both ways, alternately.

The batch is N copies each of the correct and the buggy example (`--copies`, default 5: 10
submissions). `--ray` starts its own local Ray instance with this machine's CPUs (its start-up is
part of its time); the local path runs `--workers 2`. Issue 15's bound is 1.15x.

    python benchmarks/ray_overhead.py [--runs 3] [--copies 5]
"""

from __future__ import annotations

import argparse
import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere
from benchmarks.alternate import alternate, report  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "submissions"
WAYS = {"ray": ("--ray", "--ray-cpus", "1"), "local": ("--workers", "2")}


def batch(folder: Path, copies: int) -> Path:
    folder.mkdir()
    for k in range(copies):
        for name in ("correct", "buggy"):
            shutil.copy(EXAMPLES / f"{name}.py", folder / f"{name}{k}.py")
    return folder


def grade(folder: Path, scratch: Path, extra: tuple[str, ...]) -> None:
    out = Path(tempfile.mkdtemp(dir=scratch))
    cmd = [sys.executable, "-m", "autograde", "grade", str(folder), "--out", str(out), "--seed", "0", *extra]
    proc = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each way (default 3)")
    parser.add_argument("--copies", type=int, default=5, help="copies of each example in the batch (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pset3-ray-bench-") as tmp:
        folder = batch(Path(tmp) / "batch", args.copies)
        ways = {name: functools.partial(grade, folder, Path(tmp), extra) for name, extra in WAYS.items()}
        print(f"{2 * args.copies} submissions; " + ", ".join(f"{n}: {' '.join(e)}" for n, e in WAYS.items()))
        print(report(alternate(ways, args.runs)))


if __name__ == "__main__":
    main()
