"""One spec run: the only place that says how the grader invokes pytest on an implementation.

Every caller builds its run here: `pset3 report` and `pset3 check` (pytest in this process), `pset3
grade` and the Gradescope autograder (`run_spec`: pytest in a process of its own, forked from the warm
grader (`autograde.batch.warm`) or, `cold`, a fresh interpreter, with a time limit and a fail-closed
result), the kill matrix (`spec_args`, `thread_env`, `pytest_main`) and the benchmarks (`pytest_command`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from autograde.batch import warm
from autograde.batch.warm import WarmProcess
from autograde.common.layout import PACKAGE_DIR, SPEC_DIR
from autograde.spec import seeding
from autograde.spec.results import Results, fail_closed, fenced
from autograde.spec.rubric import DEFAULT_RUBRIC, load_rubric
from autograde.worker.isolation import die_with_parent

# A spec run reads no configuration file (neither a checkout's pyproject.toml nor whatever lies
# above site-packages) and no conftest.py outside the spec: the same settings installed or not.
# `-p` loads the plugin where the package is not installed (a PYTHONPATH checkout); installed, its
# pytest11 entry point has already registered it under the same name, and `-p` does nothing.
SPEC_SETTINGS = ("-p", "autograde.spec.plugin", "-p", "no:cacheprovider", "-c", os.devnull,
                 "--rootdir", str(PACKAGE_DIR),
                 "--confcutdir", str(SPEC_DIR), "-o", "junit_family=xunit1")
RUN_TIMEOUT = 1800  # one submission's whole spec run; the sandbox's per-call timeouts come first
INTERRUPT_GRACE = 30  # seconds an interrupted spec run has to write the results of what ran


def spec_args(impl: str | Path, *more: str) -> list[str]:
    """pytest's arguments for the whole spec on `impl`, then `more` (the caller's options)."""
    return [str(SPEC_DIR), *SPEC_SETTINGS, "--impl", str(impl), *more]


def pytest_command(impl: str | Path, *more: str) -> list[str]:
    """The command line of a spec run in a fresh interpreter."""
    return [sys.executable, "-m", "pytest", *spec_args(impl, *more)]


def pytest_main(argv: list[str]) -> int:
    """A spec run's body in a process forked from the warm grader: pytest in that process."""
    import pytest

    return int(pytest.main(argv))


def threads_each(side_by_side: int) -> int:
    """Torch threads for each of `side_by_side` runs: more threads than cores makes every op spin-wait."""
    return max(1, (os.cpu_count() or 1) // max(1, side_by_side))


def thread_env(threads: int) -> dict[str, str]:
    """This process's environment with torch's thread pools set to `threads`."""
    return {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}


def _start_in_child() -> None:
    """In the spec run's process, before it runs: it dies with the grader, and SIGINT (how `_stop` ends it
    gracefully) interrupts it even where the grader was started with SIGINT ignored, as `nohup` and a
    shell's background jobs start it, which the child would otherwise inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    die_with_parent()


def _stop(proc: subprocess.Popen | WarmProcess, limit: float) -> str:
    """Interrupt a spec run past its time limit: pytest still writes the results of the tests that
    ran (those that did not count as failed); one that does not stop within the grace is killed."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(INTERRUPT_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return f"grading took over its time limit of {limit:g} s"


def start_run(args: list[str], cwd: str | Path, log: Path, threads: int, cold: bool = False,
              ) -> subprocess.Popen | WarmProcess:
    """Start pytest with `args` in `cwd`, its output to `log`: forked from this process's warm grader, or
    (`cold`, or where the warm grader cannot start) a fresh interpreter. Either way the sandboxed worker
    of the run is forked from it."""
    if not cold:
        try:
            return warm.grader(threads).start(warm.Run("autograde.batch.specrun:pytest_main", [args], str(cwd),
                                                       thread_env(threads), str(log), threads))
        except warm.WarmUnavailable as exc:
            print(f"pset3: {exc}; running this spec run cold", file=sys.stderr)
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=cwd, env=thread_env(threads), stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_start_in_child)


def run_spec(submission: Path, data_root: Path, threads: int, extra: list[str] = (),
             time_limit: float = RUN_TIMEOUT, rubric: Path = DEFAULT_RUBRIC,
             seed: str = seeding.RANDOM, cold: bool = False) -> tuple[Results, str | None]:
    """The spec on one submission in its own pytest process: (its results, JUnit XML or None).
    Always returns results: a run that ends without them gets a fail-closed zero with the reason.
    `seed`: the grading seed, by default a fresh one that the run draws itself (`autograde.spec.seeding`).
    `cold`: a fresh interpreter instead of a fork of the warm grader (the same grade, slower)."""
    with tempfile.TemporaryDirectory(prefix="pset3-grade-") as tmp:
        results, junit, log = Path(tmp) / "results.json", Path(tmp) / "junit.xml", Path(tmp) / "pytest.log"
        args = spec_args(submission, "-q", "--data-root", str(data_root), "--results-json", str(results),
                         "--junitxml", str(junit), "--rubric", str(rubric), "--seed", str(seed), *extra)
        proc = start_run(args, tmp, log, threads, cold)
        try:
            proc.wait(time_limit)
        except subprocess.TimeoutExpired:
            reason = _stop(proc, time_limit)
            kept = Results.read(results)  # the interrupted run's results: what ran is kept, the rest failed
            if kept is not None:
                return kept.noting(fenced(reason)), junit.read_text() if junit.exists() else None
        else:
            reason = f"the grader exited with {proc.returncode}: {log.read_text(errors='replace')[-1500:]}"
        # The one read of a spec run's results.json: the run wrote it in its own process.
        data = Results.read(results) or fail_closed(load_rubric(rubric), reason)
        return data, junit.read_text() if junit.exists() else None
