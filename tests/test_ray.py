"""`pset3 grade --ray`: one Ray task per submission on a Ray instance on loopback, the same grades as
the local path, and exactly one result each, whatever happens to the task.

The first test starts its own local instance (`--ray` without an address) and runs in the default
tier; the others share one 2-CPU instance this module starts, and run in `tox -e ray` (marker `ray`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from autograde.batch.grade import done
from tools.examples import FOLDER

SUBMISSIONS = Path(__file__).parent / "submissions"
WARM = "autograde.batch.warm"  # the command line of a warm grader, and of every run forked from it
OWN = ["--allow-reference-imports", "--timeout", "30", "--start-timeout", "60", "--statement-timeout", "10"]


def grade(folder: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "autograde", "grade", str(folder), "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, timeout: float = 900) -> str:
    output, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, output[-3000:]
    return output


def scores(out: Path) -> dict[str, dict[str, float]]:
    """Per submission, per question, the points earned."""
    return {p.name: {t["number"]: t["score"] for t in json.loads((p / "results.json").read_text())["tests"]}
            for p in sorted(out.iterdir()) if p.is_dir()}


def folder_of(tmp_path: Path, *files: Path) -> Path:
    folder = tmp_path / "submissions"
    folder.mkdir()
    for f in files:
        (shutil.copytree if f.is_dir() else shutil.copy)(f, folder / f.name)
    return folder


def left_running(marker: str) -> list[str]:
    """Command lines of live processes that mention `marker` (a task's folder, a submission's name)."""
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if marker in cmd and p.info["status"] != psutil.STATUS_ZOMBIE and p.pid != psutil.Process().pid:
            found.append(cmd)
    return found


def interfaces_of_ray_servers(proc: subprocess.Popen, deadline: float = 300) -> dict[str, set[str]]:
    """Each Ray server process (gcs_server, raylet) the grading process `proc` started, with the network
    interfaces it sees, as soon as both run."""
    end = time.monotonic() + deadline
    while time.monotonic() < end and proc.poll() is None:
        found = {}
        for p in psutil.Process(proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error, OSError):
                name = Path(p.cmdline()[0]).name
                if name in ("gcs_server", "raylet"):
                    lines = Path(f"/proc/{p.pid}/net/dev").read_text().splitlines()[2:]
                    found[name] = {line.split(":")[0].strip() for line in lines}
        if len(found) == 2:
            return found
        time.sleep(0.2)
    return {}


def runs_left_in_warm_graders() -> list[str]:
    """Spec runs still alive in a fork of some warm grader (a Ray worker's: it keeps one between tasks),
    which carry the warm grader's command line, not their submission's."""
    found = []
    for p in psutil.process_iter(["cmdline", "status", "ppid"]):
        with contextlib.suppress(psutil.Error):
            if WARM in " ".join(p.info["cmdline"] or []) and p.info["status"] != psutil.STATUS_ZOMBIE and \
                    WARM in " ".join(psutil.Process(p.info["ppid"]).cmdline()):
                found.append(f"{p.pid}: {' '.join(p.info['cmdline'])}")
    return found


def test_a_local_ray_instance_grades_as_the_local_path_does(tmp_path):
    """`--ray` with no address starts a local instance, grades, and shuts it down; per-question
    scores equal the local path's (Part 2 of a partial submission, graded under one seed), and so do
    the gradebook, the JUnit XML and the feedback it writes."""
    folder = folder_of(tmp_path, SUBMISSIONS / "partial.py")  # some of Part 2 right, some missing
    args = ("--seed", "1", *OWN, "-m", "part2")
    local = grade(folder, tmp_path / "local", *args)
    on_ray = grade(folder, tmp_path / "ray", "--ray", "--ray-cpus", "1", *args)
    finish(local)
    servers = interfaces_of_ray_servers(on_ray)
    assert "on Ray" in finish(on_ray)
    if os.geteuid() == 0:  # its servers have the loopback only: nothing off this machine reaches them
        assert servers and all(found == {"lo"} for found in servers.values()), servers
    else:
        assert servers, "the local Ray instance's servers were not found"
    assert scores(tmp_path / "ray") == scores(tmp_path / "local")
    earned = scores(tmp_path / "ray")
    assert set(earned) == {"partial.py"} and 0 < sum(earned["partial.py"].values()) < 26, earned
    assert (tmp_path / "ray" / "gradebook.csv").read_text() == (tmp_path / "local" / "gradebook.csv").read_text()
    assert (tmp_path / "ray" / "partial.py" / "junit.xml").is_file()
    assert (tmp_path / "ray" / "partial.py" / "feedback.md").read_text().startswith("# partial.py: ")


@pytest.fixture(scope="module")
def cluster() -> str:
    """A 2-CPU Ray instance on loopback for this module's tests; its address."""
    ray = pytest.importorskip("ray")
    info = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    yield info.address_info["gcs_address"]
    ray.shutdown()


@pytest.mark.ray
def test_the_examples_get_the_same_scores_on_ray_as_here(cluster, tmp_path):
    local = grade(FOLDER, tmp_path / "local")
    on_ray = grade(FOLDER, tmp_path / "ray", "--ray", cluster)
    finish(local)
    finish(on_ray)
    assert scores(tmp_path / "ray") == scores(tmp_path / "local")
    assert set(scores(tmp_path / "ray")) == {"correct.py", "buggy.py", "notebook"}


@pytest.mark.ray
def test_a_hang_and_a_self_kill_each_get_one_result_and_leave_nothing_running(cluster, tmp_path):
    hang, exits = SUBMISSIONS / "hostile_loop_in_forward.py", SUBMISSIONS / "hostile_exit_in_forward.py"
    out = tmp_path / "out"
    finish(grade(folder_of(tmp_path, hang, exits), out, "--ray", cluster, *OWN, "-m", "part2"))
    graded = scores(out)
    assert set(graded) == {hang.name, exits.name}
    assert graded[exits.name]["2.1"] > 0  # its right ANSWERS earn, as on the local path
    for name in graded:
        output = "\n".join(t["output"] for t in json.loads((out / name / "results.json").read_text())["tests"])
        assert "timed out after 30 s" in output or "process ended" in output, output[-2000:]
    time.sleep(2)  # the sandbox's workers end with their spec run
    assert left_running("pset3-ray-") == [] and runs_left_in_warm_graders() == []


def kill_the_task_once(proc: subprocess.Popen, deadline: float = 300) -> int:
    """Wait for the Ray worker process running a grade task, SIGKILL it, and return its pid."""
    end = time.monotonic() + deadline
    while time.monotonic() < end and proc.poll() is None:
        for p in psutil.process_iter(["cmdline", "name"]):
            if "grade_task" in " ".join(p.info["cmdline"] or []) or "grade_task" in (p.info["name"] or ""):
                time.sleep(3)  # in the middle of its spec run
                p.send_signal(signal.SIGKILL)
                return p.pid
        time.sleep(0.2)
    raise AssertionError("no Ray worker ran a grade task")


@pytest.mark.ray
@pytest.mark.parametrize("retries", [1, 0])
def test_a_killed_ray_worker_is_retried_and_the_submission_gets_exactly_one_result(cluster, tmp_path, retries):
    out = tmp_path / "out"
    proc = grade(folder_of(tmp_path, SUBMISSIONS / "partial.py"), out, "--ray", cluster, "--ray-retries",
                 str(retries), *OWN, "-m", "part2")
    kill_the_task_once(proc)
    finish(proc)
    assert [p.name for p in out.iterdir() if done(p)] == ["partial.py"]
    data = json.loads((out / "partial.py" / "results.json").read_text())
    if retries:  # retried: graded as if nothing had happened
        assert data["score"] > 0 and "could not be graded" not in data["output"], data["output"]
    else:  # no retry left: a fail-closed result that says why
        assert data["score"] == 0 and "its Ray task failed" in data["output"], data["output"]
    assert left_running("pset3-ray-") == [] and runs_left_in_warm_graders() == []
