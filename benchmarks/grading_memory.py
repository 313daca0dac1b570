"""Peak memory of grading: `pset3 grade` on one submission (or N copies), sampled over its process tree.

Every `--interval` seconds it sums, over the grading command and all its descendants (the warm
grader, the spec run, the sandboxed worker), the PSS and the RSS of each process from
`/proc/PID/smaps_rollup`. PSS divides a shared page among the processes that map it, so its sum is
what the tree really holds (torch's shared libraries counted once); summed RSS counts them once per
process. Each time the sum reaches a new peak, it also reads every process's `/proc/PID/smaps` and
keeps where the memory is: per process, and per kind of mapping (`KINDS`). Prints each run's peaks
and wall time, their medians, and the breakdown at the last run's peak.

    python benchmarks/grading_memory.py [--runs 3] [--copies 1] [--workers 2] [--cold] [SUBMISSION]
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
from dataclasses import dataclass, field
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


# A mapping's kind, by its path: the first rule that matches.
KINDS = (("torch's CUDA libraries (libtorch_cuda, libc10_cuda, ...)",
          lambda path: "/torch/" in path and ".so" in path and "cuda" in Path(path).name),
         ("torch's CPU libraries", lambda path: "/torch/" in path and ".so" in path),
         ("CUDA libraries (nvidia/, triton/)",
          lambda path: ("/nvidia/" in path or "/triton/" in path) and ".so" in path),
         ("other shared libraries", lambda path: ".so" in path),
         ("heap and anonymous", lambda path: path in ("", "[heap]", "[stack]") or path.startswith("[anon")),
         ("files and other mappings", lambda path: True))


def breakdown(pid: int) -> dict[str, int]:
    """PSS of one process in bytes by kind of mapping, from /proc/PID/smaps; {} once it has ended."""
    kinds: dict[str, int] = {}
    path = ""
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                first = line.split(None, 1)[0]
                if "-" in first and not first.endswith(":"):  # a mapping's header: range, perms, ..., path
                    parts = line.split(None, 5)
                    path = parts[5].strip() if len(parts) > 5 else ""
                elif first == "Pss:":
                    kind = next(name for name, rule in KINDS if rule(path))
                    kinds[kind] = kinds.get(kind, 0) + int(line.split()[1]) * 1024
    except OSError:
        return {}
    return kinds


@dataclass
class Peak:
    pss: int = 0
    rss: int = 0
    processes: int = 0
    # At the sampled peak: each process ("pid command") and its PSS by kind of mapping.
    where: dict[str, dict[str, int]] = field(default_factory=dict)


def describe(p: psutil.Process) -> str:
    try:
        command = " ".join(p.cmdline())
    except psutil.Error:
        command = "?"
    return f"{p.pid} (parent {p.ppid()}) {command[:90]}"


def sample(root: psutil.Process, peak: Peak, stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        sums = [rollup(p.pid) for p in tree]
        pss = sum(s[0] for s in sums)
        if pss > peak.pss * 1.01:  # a new peak: where it is (read at most ~500 times a run)
            peak.where = {describe(p): breakdown(p.pid) for p in tree}
        peak.pss = max(peak.pss, pss)
        peak.rss = max(peak.rss, sum(s[1] for s in sums))
        peak.processes = max(peak.processes, len(tree))
        stop.wait(interval)


def print_breakdown(peak: Peak) -> None:
    """The memory at the peak, per process and per kind of mapping, in MiB."""
    print(f"\nat the peak ({sum(sum(k.values()) for k in peak.where.values()) / MiB:.0f} MiB summed PSS, read from "
          f"smaps):")
    totals: dict[str, int] = {}
    for process, kinds in peak.where.items():
        print(f"  {sum(kinds.values()) / MiB:7.0f} MiB  {process}")
        for kind, size in kinds.items():
            totals[kind] = totals.get(kind, 0) + size
    print("by kind of mapping, summed over the processes:")
    for kind, size in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {size / MiB:7.0f} MiB  {kind}")


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
    parser.add_argument("--cold", action="store_true", help="pset3 grade --cold (a fresh interpreter per spec run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pset3-bench-") as tmp:
        root = synthetic_cifar.write(Path(tmp) / "cifar10")
        runs = [one_run(args.submission.resolve(), args.copies, args.workers, root, args.interval,
                        *(["--cold"] if args.cold else [])) for _ in range(args.runs)]
    for i, (peak, wall) in enumerate(runs, 1):
        print(f"run {i}: peak PSS {peak.pss / MiB:7.0f} MiB, peak RSS {peak.rss / MiB:7.0f} MiB, "
              f"{peak.processes} processes, {wall:6.1f} s")
    print(f"median: peak PSS {statistics.median(p.pss for p, _ in runs) / MiB:7.0f} MiB, "
          f"peak RSS {statistics.median(p.rss for p, _ in runs) / MiB:7.0f} MiB, "
          f"{statistics.median(w for _, w in runs):6.1f} s  ({args.copies} x {args.submission.name}, "
          f"--workers {args.workers}{', --cold' if args.cold else ''})")
    print_breakdown(runs[-1][0])


if __name__ == "__main__":
    main()
