"""Why forking spec runs from a warm process was slow (issue 12), measured: the first step of issue 27.

    python benchmarks/warm_fork_probe.py [--copies 4] [--workers 2] [--rounds 2] [-m part2]

Grades `--copies` copies of the correct example, `--workers` at a time, three ways, alternating:
- cold: today's path, one fresh interpreter per spec run (`specrun.run_spec`);
- warm, threads as inherited: a process that imported torch, torchvision, both Lightning packages
  and the plugin forks each spec run, which runs pytest in-process; its thread pools are sized by
  the environment the warm process was started with (both cores), as a server started once would be;
- warm, threads pinned: the same, with OMP_NUM_THREADS set before torch is imported and
  `torch.set_num_threads` in each fork, to the cold path's share (`specrun.threads_each`);
- warm, worker forked too: pinned, and each spec run forks its sandboxed worker as the cold path
  does. `worker.fork.can_fork` refuses a process that has imported torch unless it declares that its
  torch has run nothing (`declare_torch_unused`, which the warm process guarantees, and which the
  warm grader, `autograde/batch/warm.py`, now does): without it a spec run forked from a warm
  process starts its worker as a fresh interpreter, which was issue 12's slow path.
It prints each mode's median wall time and CPU time (children included), and the CPU count.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CORRECT = REPO / "examples" / "submissions" / "correct.py"

WARM = r'''
import os, sys, time
pin = sys.argv[1] in ("pinned", "worker-forked")
threads = int(sys.argv[2])
if pin:
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
import torch, torchvision, pytorch_lightning, lightning  # import only: no op, no pool yet
import pytest
import autograde.spec.plugin  # the grader's own modules
import autograde.spec.sandbox
from autograde.batch.specrun import spec_args
from autograde.worker.fork import declare_torch_unused
runs = [line.split("\t") for line in sys.stdin.read().splitlines()]
workers = int(sys.argv[3])
running = {}
for submission, tmp, data, extra in runs:
    while len(running) >= workers:
        pid, _ = os.wait()
        running.pop(pid, None)
    pid = os.fork()
    if pid == 0:
        if pin:
            torch.set_num_threads(threads)
        if sys.argv[1] == "worker-forked":  # torch is imported here but has run nothing: the worker may be forked
            declare_torch_unused()
        os.chdir(tmp)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        argv = spec_args(submission, "-q", "--data-root", data, "--seed", "0", "--results-json",
                         os.path.join(tmp, "results.json"), *extra.split())
        code = pytest.main(argv)
        os._exit(int(code))
    running[pid] = submission
while running:
    pid, _ = os.wait()
    running.pop(pid, None)
'''


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold(copies: list[Path], data: Path, workers: int, extra: list[str]) -> list[float]:
    from concurrent.futures import ThreadPoolExecutor

    from autograde.batch.specrun import run_spec, threads_each

    with ThreadPoolExecutor(workers) as pool:
        return [r.score for r, _ in pool.map(lambda p: run_spec(p, data, threads_each(workers), [*extra], seed="0"),
                                              copies)]


def warm(mode: str, copies: list[Path], data: Path, workers: int, extra: list[str], tmp: Path) -> list[float]:
    from autograde.batch.specrun import thread_env, threads_each
    from autograde.spec.results import Results

    lines = []
    for i, p in enumerate(copies):
        folder = tmp / f"run{i}"
        folder.mkdir(exist_ok=True)
        lines.append("\t".join([str(p), str(folder), str(data), " ".join(extra)]))
    env = {**thread_env(os.cpu_count() or 1), "PYTHONPATH": str(REPO)}  # as a server started once would have it
    subprocess.run([sys.executable, "-c", WARM, mode, str(threads_each(workers)), str(workers)],
                   input="\n".join(lines), text=True, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    scores = []
    for i in range(len(copies)):
        results = Results.read(tmp / f"run{i}" / "results.json")
        (tmp / f"run{i}" / "results.json").unlink(missing_ok=True)
        scores.append(results.score if results else float("nan"))
    return scores


def main() -> None:
    from autograde.common import synthetic_cifar

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("-m", default="part2", help="the spec's marker expression (default part2)")
    args = parser.parse_args()
    extra = ["-m", args.m]
    with tempfile.TemporaryDirectory(prefix="pset3-warm-probe-") as tmp:
        tmp = Path(tmp)
        data = synthetic_cifar.data_root(None, tmp)
        copies = []
        for i in range(args.copies):
            (tmp / f"sub{i}").mkdir()
            copies.append(tmp / f"sub{i}" / "correct.py")
            copies[-1].write_text(CORRECT.read_text())
        modes = {"cold": lambda: cold(copies, data, args.workers, extra),
                 "warm, threads as inherited": lambda: warm("inherited", copies, data, args.workers, extra, tmp),
                 "warm, threads pinned": lambda: warm("pinned", copies, data, args.workers, extra, tmp),
                 "warm, worker forked too": lambda: warm("worker-forked", copies, data, args.workers, extra, tmp)}
        walls: dict[str, list[float]] = {m: [] for m in modes}
        cpus: dict[str, list[float]] = {m: [] for m in modes}
        scores: dict[str, set[float]] = {m: set() for m in modes}
        for _ in range(args.rounds):
            for mode, run in modes.items():
                started, cpu = time.perf_counter(), cpu_of_children()
                scores[mode].update(run())
                walls[mode].append(time.perf_counter() - started)
                cpus[mode].append(cpu_of_children() - cpu)
    print(f"{args.copies} copies of the correct example, -m {args.m}, --workers {args.workers}, "
          f"{os.cpu_count()} CPUs, medians of {args.rounds}")
    for mode in modes:
        print(f"{mode:28s} wall {statistics.median(walls[mode]):6.1f} s   CPU {statistics.median(cpus[mode]):6.1f} s"
              f"   scores {sorted(scores[mode])}")


if __name__ == "__main__":
    main()
