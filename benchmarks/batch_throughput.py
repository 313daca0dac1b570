"""A batch graded warm (spec runs forked from one warm grader) against `pset3 grade --cold`, side by side.

    python benchmarks/batch_throughput.py [--runs 3] [--workers 2] [--correct 5] [--buggy 5] [--seed 0]

The batch: `--correct` copies of examples/submissions/correct.py and `--buggy` of buggy.py, graded
under one fixed seed. Warm and cold runs alternate (warm, cold, warm, cold, ...), so that both see
the same machine; each run is a whole `pset3 grade` command, its process tree sampled for summed
PSS (`grading_memory.sample`). Then one grade (one copy of correct.py, `--workers 1`), warm and
cold, the memory the batch is compared with. Prints each mode's median wall time and peak summed
PSS, the ratios, the targets (warm wall at most 0.55x cold; warm batch PSS at most 1.3x one grade),
and whether every run's gradebook is the same.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.grading_memory import MiB, Peak, grade_command, measure  # noqa: E402

EXAMPLES = REPO / "examples" / "submissions"
MODES = {"warm": (), "cold": ("--cold",)}


def batch_folder(into: Path, correct: int, buggy: int) -> Path:
    folder = into / "batch"
    folder.mkdir()
    for kind, count in (("correct", correct), ("buggy", buggy)):
        for i in range(count):
            shutil.copy(EXAMPLES / f"{kind}.py", folder / f"{kind}{i}.py")
    return folder


def grade_once(folder: Path, tmp: Path, workers: int, root: Path, seed: str, mode: str, run: int,
               ) -> tuple[Peak, float, str]:
    out = tmp / f"out-{mode}-{run}"
    peak, wall = measure(grade_command(folder, out, workers, root, "--seed", seed, *MODES[mode]), tmp)
    return peak, wall, (out / "gradebook.csv").read_text()


def main() -> None:
    from autograde.common import synthetic_cifar

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each mode (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="pset3 grade --workers (default 2)")
    parser.add_argument("--correct", type=int, default=5, help="copies of correct.py (default 5)")
    parser.add_argument("--buggy", type=int, default=5, help="copies of buggy.py (default 5)")
    parser.add_argument("--seed", default="0", help="the grading seed of every run (default 0)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pset3-throughput-") as tmp:
        tmp = Path(tmp)
        root = synthetic_cifar.write(tmp / "cifar10")
        folder = batch_folder(tmp, args.correct, args.buggy)
        single = tmp / "single"
        single.mkdir()
        shutil.copy(EXAMPLES / "correct.py", single / "correct.py")
        batch: dict[str, list[tuple[Peak, float, str]]] = {mode: [] for mode in MODES}
        for run in range(args.runs):
            for mode in MODES:
                batch[mode].append(grade_once(folder, tmp, args.workers, root, args.seed, mode, run))
                peak, wall, _ = batch[mode][-1]
                print(f"run {run + 1} {mode}: {wall:6.1f} s, peak PSS {peak.pss / MiB:6.0f} MiB", flush=True)
        one = {mode: grade_once(single, tmp, 1, root, args.seed, mode, 99)[0] for mode in MODES}
    wall = {m: statistics.median(w for _, w, _ in runs) for m, runs in batch.items()}
    pss = {m: statistics.median(p.pss for p, _, _ in runs) for m, runs in batch.items()}
    books = {book for runs in batch.values() for _, _, book in runs}
    size = args.correct + args.buggy
    print(f"\n{size} submissions ({args.correct} correct, {args.buggy} buggy), --workers {args.workers}, "
          f"--seed {args.seed}, medians of {args.runs}")
    for m in MODES:
        print(f"{m}: {wall[m]:6.1f} s ({3600 * size / wall[m]:5.0f} grades/hour), batch peak PSS "
              f"{pss[m] / MiB:6.0f} MiB; one grade peak PSS {one[m].pss / MiB:6.0f} MiB")
    print(f"warm / cold wall time: {wall['warm'] / wall['cold']:.2f}x (target at most 0.55x)")
    print(f"warm batch PSS / one cold grade: {pss['warm'] / one['cold'].pss:.2f}x, / one warm grade: "
          f"{pss['warm'] / one['warm'].pss:.2f}x (target at most 1.3x)")
    print(f"gradebooks: {'all identical' if len(books) == 1 else f'{len(books)} different ones'} "
          f"across {2 * args.runs} runs")


if __name__ == "__main__":
    main()
