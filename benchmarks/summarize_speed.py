"""How long `pset3 summarize` takes on a class-sized batch: 200 results.json files.

    python benchmarks/summarize_speed.py [--graded OUT] [--count 200] [--rounds 3]

The 200 are built from a graded batch by copying each submission's folder (results.json and
feedback.md) under new names, round-robin. With no `--graded`, the real-style corpus
(tests/corpus) is graded first as one batch (`pset3 grade`, a few minutes), as a TA would see it.
It prints the median wall time of `python -m autograde summarize` in a fresh interpreter (what a
user waits for: start-up, reading, clustering, charts, writing) and of `summarize()` in-process.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograde.batch.classreport.page import summarize  # noqa: E402


def grade_corpus(into: Path) -> Path:
    """The corpus graded as one batch (its grades.toml is the tests' record, not a submission)."""
    batch = into / "corpus"
    batch.mkdir()
    for entry in (REPO / "tests" / "corpus").iterdir():
        if entry.name != "grades.toml":
            (shutil.copytree if entry.is_dir() else shutil.copyfile)(entry, batch / entry.name)
    out = into / "graded"
    subprocess.run([sys.executable, "-m", "autograde", "grade", str(batch), "--out", str(out), "--seed", "0"],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def class_of(graded: Path, count: int, into: Path) -> Path:
    """`count` submissions: copies of `graded`'s, renamed."""
    done = sorted(p.parent for p in graded.glob("*/results.json"))
    if not done:
        raise SystemExit(f"no results.json under {graded}")
    folder = into / f"class-of-{count}"
    for i in range(count):
        source = done[i % len(done)]
        shutil.copytree(source, folder / f"student{i:03d}-{source.name}")
    return folder


def timed(call: object, rounds: int) -> float:
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graded", type=Path, help="a pset3 grade --out folder (default: grade the corpus first)")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pset3-summarize-") as tmp:
        graded = args.graded or grade_corpus(Path(tmp))
        folder = class_of(graded, args.count, Path(tmp))
        command = [sys.executable, "-m", "autograde", "summarize", str(folder), "--out", str(Path(tmp) / "cli")]
        cli = timed(lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL), args.rounds)
        inside = timed(lambda: summarize(folder, Path(tmp) / "in-process"), args.rounds)
        report = summarize(folder, Path(tmp) / "last")
    print(f"{args.count} results.json ({len({e.name.split('-', 1)[1] for e in report.entries})} distinct "
          f"submissions), {len(report.failures)} failure clusters, {len(report.problems)} problems across the batch")
    print(f"pset3 summarize (fresh interpreter): median {cli:.2f} s of {args.rounds}")
    print(f"summarize() in-process:              median {inside:.2f} s of {args.rounds}")


if __name__ == "__main__":
    main()
