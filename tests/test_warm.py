"""The warm grader (autograde/batch/warm.py): the same grades as the cold path, one import per batch,
nothing of one submission reaching the next, and `pset3 check --watch`."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from autograde.batch import warm
from autograde.batch.grade import Job, grade
from autograde.batch.local import LocalRunner
from autograde.batch.specrun import run_spec, threads_each
from autograde.common import synthetic_cifar
from autograde.common.layout import PACKAGE_DIR
from tests.test_hostile_batch import ANSWERS, EARNED
from tests.test_wire import HONEST

EXAMPLES = PACKAGE_DIR / "examples" / "submissions"


def per_question(out: Path) -> dict[str, list[tuple[str, float, str]]]:
    """Each submission's questions as graded: (number, score, output)."""
    return {p.name: [(t["number"], t["score"], t["output"]) for t in json.loads((p / "results.json").read_text())[
        "tests"]] for p in sorted(out.iterdir()) if (p / "results.json").exists()}


def test_the_examples_grade_the_same_warm_and_cold_under_one_seed(tmp_path):
    outs = {}
    for mode in ("warm", "cold"):
        outs[mode] = tmp_path / mode
        run = subprocess.run([sys.executable, "-m", "autograde", "grade", str(EXAMPLES), "--out", str(outs[mode]),
                              "--seed", "0", *(["--cold"] if mode == "cold" else [])], capture_output=True,
                             text=True, timeout=900)
        assert run.returncode == 0, run.stdout + run.stderr
    warm_grades, cold_grades = per_question(outs["warm"]), per_question(outs["cold"])
    assert set(warm_grades) == {p.name for p in EXAMPLES.iterdir()}
    assert warm_grades == cold_grades


def test_a_run_forked_from_the_warm_grader_is_a_cold_runs_twin(tmp_path):
    """Folder, environment, output, threads and torch as a fresh interpreter has them; its sandboxed worker
    may still be forked from it (torch imported, unused)."""
    log = tmp_path / "run.log"
    env = {"PSET3_PROBE": "1", "PATH": os.environ["PATH"]}
    code = warm.grader(1).start(warm.Run("tests.forked:describe_process", [], str(tmp_path), env, str(log), 1)
                                ).wait(120)
    assert code == 0, log.read_text()
    seen = json.loads(log.read_text().splitlines()[-1])
    assert seen == {"cwd": str(tmp_path), "path0": str(tmp_path), "env": env, "threads": 1, "can_fork": True,
                    "private": [], "stdin": "", "parent_alive": True}


def test_a_warm_run_past_its_time_limit_keeps_what_ran(tmp_path):
    """`run_spec`'s time limit reaches a forked run (SIGINT, through the warm grader): pytest writes the
    results of the tests that ran, and the rest count as failed."""
    root = synthetic_cifar.data_root(None, tmp_path)
    started = time.monotonic()
    results, _ = run_spec(EXAMPLES / "correct.py", root, 1, time_limit=4, seed="0")
    assert time.monotonic() - started < 60
    assert 0 < results.score < results.max_score and "time limit of 4 s" in results.output


def test_the_warm_grader_signals_only_a_run_it_has_not_reaped(tmp_path):
    log = tmp_path / "run.log"
    child = warm.grader(1).start(warm.Run("time:sleep", [60], str(tmp_path), dict(os.environ), str(log), 1))
    with pytest.raises(subprocess.TimeoutExpired):
        child.wait(0.5)
    child.send_signal(signal.SIGINT)  # a KeyboardInterrupt in the run, as pytest needs it
    assert child.wait(30) == 1 and "KeyboardInterrupt" in log.read_text()
    child.send_signal(signal.SIGKILL)  # reaped: nothing is sent, to no one
    assert warm.grader(1).alive


# One submission that tries to reach the next one's fork, then a classmate that looks for any trace of it.
REACHES = '''
import os, signal, subprocess, sys, threading, time
import torch

for pid in range(1, 300):  # every process it can see: itself, in its own PID namespace
    for sig in (signal.SIGTERM, signal.SIGKILL, signal.SIGSTOP):
        try:
            if pid != os.getpid():
                os.kill(pid, sig)
        except OSError:
            pass
for path in ("/proc/1/fd/0", "/proc/1/fd/1", "/tmp/pset3-left-behind", os.path.expanduser("~/left-behind"),
             os.path.join(os.path.dirname(torch.__file__), "left_behind.py")):
    try:
        with open(path, "w") as f:
            f.write("import os; os.environ['PSET3_LEFT_BEHIND'] = '1'\\n")
    except OSError:
        pass
os.environ["PSET3_LEFT_BEHIND"] = "1"
torch.set_num_threads(7)
torch.manual_seed(1234)
torch.pset3_left_behind = True
sys.modules["pset3_left_behind"] = sys


def haunt():
    while True:
        for path in ("/tmp/pset3-left-behind", "/dev/shm/pset3-left-behind"):
            try:
                open(path, "w").close()
            except OSError:
                pass
        time.sleep(0.05)


threading.Thread(target=haunt, daemon=False).start()
LOOP = "import time\\nwhile True:\\n    open('/tmp/pset3-left-behind', 'w').close()\\n    time.sleep(0.05)"
subprocess.Popen([sys.executable, "-c", LOOP], start_new_session=True)
'''
LOOKS = '''
import os, sys
import torch

TRACES = [name for name, found in {
    "environment": "PSET3_LEFT_BEHIND" in os.environ,
    "torch attribute": hasattr(torch, "pset3_left_behind"),
    "module": "pset3_left_behind" in sys.modules,
    "threads": torch.get_num_threads() == 7,
    "files": any(os.path.exists(p) for p in ("/tmp/pset3-left-behind", "/dev/shm/pset3-left-behind",
                                             os.path.expanduser("~/left-behind"))),
    "torch file": os.path.exists(os.path.join(os.path.dirname(torch.__file__), "left_behind.py")),
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()) not in ([1, os.getpid()], [os.getpid()]),
}.items() if found]
print("traces of the first submission:", TRACES or "none")
'''
HIDES = "if TRACES:\n    del MLPNet\n"  # what it found costs it its points


@pytest.mark.skipif(os.geteuid() != 0, reason="the grader's isolation (its own user, root and PID namespace per "
                                              "worker) is what keeps one submission from the next: it runs as root")
def test_nothing_one_submission_does_reaches_the_next_ones_fork(tmp_path):
    batch, out = tmp_path / "batch", tmp_path / "out"
    batch.mkdir()
    (batch / "a_reaches.py").write_text(REACHES + HONEST + ANSWERS)
    (batch / "b_looks.py").write_text(LOOKS + HONEST + ANSWERS + HIDES)
    grader = warm.grader(threads_each(1))  # the one a batch of --workers 1 forks from
    before = set(psutil.Process().children(recursive=True))
    graded = grade(batch, out, LocalRunner(workers=1), Job(("-m", "part2"), "0"))
    rows = dict(graded.rows)
    assert set(rows) == {"a_reaches.py", "b_looks.py"}  # each one has its result
    classmate = rows["b_looks.py"]
    assert classmate.score == EARNED, (out / "b_looks.py" / "feedback.md").read_text()
    assert "traces of the first submission: none" in (out / "b_looks.py" / "feedback.md").read_text()
    # Neither killed nor stopped: the same warm grader serves on.
    assert grader.alive and warm.grader(threads_each(1)) is grader
    assert psutil.Process(grader.pid).status() != psutil.STATUS_STOPPED
    time.sleep(0.5)  # what they left would still be running now
    assert set(psutil.Process().children(recursive=True)) - before == set()
    assert not Path("/tmp/pset3-left-behind").exists() and not (Path(sys.prefix) / "left_behind.py").exists()


WATCHED = HONEST + 'ANSWERS = {"2.4": 4, "2.5": (10, 100)}\n'


def lines_until(stream: "queue.Queue[str]", marker: str, timeout: float) -> str:
    """What the watch printed up to and including its next line holding `marker`."""
    seen, deadline = [], time.monotonic() + timeout
    while True:
        line = stream.get(timeout=max(0.1, deadline - time.monotonic()))
        seen.append(line)
        if marker in line:
            return "".join(seen)


def test_check_watch_checks_again_after_each_edit(tmp_path):
    submission = tmp_path / "mine.py"
    submission.write_text(WATCHED)
    # Ctrl-C as at a terminal: SIGINT's default restored (a background job, CI's, starts with it ignored).
    proc = subprocess.Popen([sys.executable, "-m", "autograde", "check", "--watch", str(submission), "-m", "part2",
                             "--seed", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "COLUMNS": "200"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    printed: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [printed.put(line) for line in proc.stdout], daemon=True).start()
    try:
        first = lines_until(printed, "watching", 300)
        submission.write_text(WATCHED.replace('ANSWERS = {', 'ANSWERS = {"2.1a": (True, False), "2.1b": (True, '
                                              'False), "2.1c": (True, False), "2.1d": (True, True), "2.1e": (False, '
                                              'True), '))
        second = lines_until(printed, "watching", 300)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    assert proc.returncode == 0
    for table in (first, second):
        assert "pset3 check" in table and "2.2" in table
    row = {text: next(line for line in text.splitlines() if line.startswith("│ 2.1 ")) for text in (first, second)}
    assert "0 / 5" in row[first] and "5 / 5" in row[second], (row[first], row[second])
    assert "FAILED test_answer_matches_the_truth[a]" in first and "ANSWERS has no key" not in second
