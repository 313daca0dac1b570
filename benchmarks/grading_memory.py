"""Peak memory of grading: `pset3 grade` on one submission (or N copies), sampled over its process tree.

Every `--interval` seconds it sums, over the grading command and all its descendants (the spec's
pytest process, the sandboxed worker), the PSS and the RSS of each process from
`/proc/PID/smaps_rollup`. PSS divides a shared page among the processes that map it, so its sum is
what the tree really holds (torch's shared libraries counted once); summed RSS counts them once per
process. Prints each run's peaks and wall time, and their medians.

    python benchmarks/grading_memory.py [--runs 3] [--copies 1] [--workers 2] [SUBMISSION]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from autograde.common import synthetic_cifar

REPO = Path(__file__).resolve().parent.parent
MiB = 2**20


def rollup(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in bytes; (0, 0) once it has ended."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return pss, rss


@dataclass
class Peak:
    pss: int = 0
    rss: int = 0
    processes: int = 0


def sample(root: psutil.Process, peak: Peak, stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        sums = [rollup(p.pid) for p in tree]
        peak.pss = max(peak.pss, sum(s[0] for s in sums))
        peak.rss = max(peak.rss, sum(s[1] for s in sums))
        peak.processes = max(peak.processes, len(tree))
        stop.wait(interval)


def measure(cmd: list[str], cwd: Path, interval: float = 0.05) -> tuple[Peak, float]:
    """Run `cmd` to its end, sampling its process tree: its peaks and its wall time. Exits if it fails."""
    peak, stop = Peak(), threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watcher = threading.Thread(target=sample, args=(psutil.Process(proc.pid), peak, stop, interval))
    watcher.start()
    output = proc.communicate()[0]
    wall = time.perf_counter() - start
    stop.set()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}:\n{output[-3000:]}")
    return peak, wall


def grade_command(folder: Path, out: Path, workers: int, data_root: Path, *more: str) -> list[str]:
    return [sys.executable, "-m", "autograde", "grade", str(folder), "--out", str(out), "--workers", str(workers),
            "--data-root", str(data_root), *more]


def one_run(submission: Path, copies: int, workers: int, data_root: Path, interval: float,
            *more: str) -> tuple[Peak, float]:
    with tempfile.TemporaryDirectory(prefix="pset3-memory-") as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        for i in range(copies):
            target = folder / (f"{i}-{submission.name}" if copies > 1 else submission.name)
            (shutil.copytree if submission.is_dir() else shutil.copy)(submission, target)
        return measure(grade_command(folder, Path(tmp) / "out", workers, data_root, *more), Path(tmp), interval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submission", type=Path, nargs="?", default=REPO / "examples/submissions/correct.py")
    parser.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    parser.add_argument("--copies", type=int, default=1, help="grade this many copies in one batch (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="pset3 grade --workers (default 2)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between samples (default 0.05)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pset3-bench-") as tmp:
        root = synthetic_cifar.write(Path(tmp) / "cifar10")
        runs = [one_run(args.submission.resolve(), args.copies, args.workers, root, args.interval)
                for _ in range(args.runs)]
    for i, (peak, wall) in enumerate(runs, 1):
        print(f"run {i}: peak PSS {peak.pss / MiB:7.0f} MiB, peak RSS {peak.rss / MiB:7.0f} MiB, "
              f"{peak.processes} processes, {wall:6.1f} s")
    print(f"median: peak PSS {statistics.median(p.pss for p, _ in runs) / MiB:7.0f} MiB, "
          f"peak RSS {statistics.median(p.rss for p, _ in runs) / MiB:7.0f} MiB, "
          f"{statistics.median(w for _, w in runs):6.1f} s  ({args.copies} x {args.submission.name}, "
          f"--workers {args.workers})")


if __name__ == "__main__":
    main()
