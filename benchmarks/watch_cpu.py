"""The CPU of a check after an edit under `pset3 check --watch`, against a cold `pset3 check`.

    python benchmarks/watch_cpu.py [--runs 3] [-m MARKER] [SUBMISSION]

Cold: `pset3 check SUBMISSION` run `--runs` times. Warm: one `pset3 check --watch SUBMISSION`; after
its first check, the file is touched `--runs` times and each check after the edit is measured. CPU
is the whole machine's busy time over the check (from /proc/stat, so that every process counts,
however it ended: the sandboxed worker is killed, not reaped by the one that started it), so run it
on an otherwise idle machine. Prints the medians, their ratio and the target (at most half).
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all but idle and iowait), in seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICK


def cold(submission: Path, extra: list[str]) -> float:
    before = busy_seconds()
    subprocess.run([sys.executable, "-m", "autograde", "check", str(submission), "--seed", "0", *extra],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return busy_seconds() - before


def warm(submission: Path, extra: list[str], runs: int) -> list[float]:
    proc = subprocess.Popen([sys.executable, "-m", "autograde", "check", "--watch", str(submission), "--seed", "0",
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()

    def next_check() -> None:
        while "watching" not in lines.get(timeout=600):
            pass

    cpu = []
    try:
        next_check()  # the first check starts the warm grader: not measured
        for _ in range(runs):
            time.sleep(1)
            before = busy_seconds()
            os.utime(submission)
            next_check()
            cpu.append(busy_seconds() - before)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submission", type=Path, nargs="?", default=REPO / "examples/submissions/correct.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-m", help="only some questions (pset3 check -m), e.g. part2")
    args = parser.parse_args()
    extra = ["-m", args.m] if args.m else []
    submission = args.submission.resolve()
    colds = [cold(submission, extra) for _ in range(args.runs)]
    warms = warm(submission, extra, args.runs)
    c, w = statistics.median(colds), statistics.median(warms)
    print(f"{submission.name}{' -m ' + args.m if args.m else ''}, {os.cpu_count()} CPUs, medians of {args.runs}")
    print(f"cold pset3 check:              {c:6.1f} s CPU  {[round(x, 1) for x in colds]}")
    print(f"pset3 check --watch, an edit:  {w:6.1f} s CPU  {[round(x, 1) for x in warms]}")
    print(f"ratio {w / c:.2f} (target at most 0.5)")


if __name__ == "__main__":
    main()
