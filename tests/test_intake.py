"""Reading a submission as root (autograde/common/intake.py): no link is followed, no special file is read,
nothing over the bounds; what breaks a rule fails closed with the reason, and leaks nothing.

The secret is a root-only file outside the submission: a link to it, in a folder submission or as
the submission itself, must neither score nor show its text anywhere a student reads.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograde.common import intake
from autograde.spec.rubric import load_rubric
from tests.test_gradescope import bundle, results, run_autograder  # noqa: F401 - bundle is a fixture
from tools.examples import FOLDER

SECRET = "root-only canary 5d1e: the grader must never print this"
PART2 = ("-m", "part2")


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "root-only" / "secret.txt"
    path.parent.mkdir(mode=0o700)
    path.write_text(SECRET + "\n")
    path.chmod(0o600)
    return path


def folder_with(tmp_path: Path, **links: str) -> Path:
    """A folder submission: the correct example, and each `name -> target` link."""
    folder = tmp_path / "submission"
    (folder / "pkg").mkdir(parents=True)
    shutil.copy(FOLDER / "correct.py", folder / "solution.py")
    (folder / "pkg" / "notes.txt").write_text("my notes\n")
    for name, target in links.items():
        (folder / name).symlink_to(target)
    return folder


def test_a_plain_folder_is_read_whole_and_written_back(tmp_path):
    folder = folder_with(tmp_path)
    (folder / ".venv" / "bin").mkdir(parents=True)  # hidden: left out, its links never looked at
    (folder / ".venv" / "bin" / "python").symlink_to("/usr/bin/python3")
    files = intake.read(folder)
    assert set(files) == {"solution.py", "pkg/notes.txt"}
    copy = intake.write(files, tmp_path / "copy" / "submission")
    assert (copy / "pkg" / "notes.txt").read_text() == "my notes\n"
    assert intake.read(folder / "solution.py") == {"": (FOLDER / "correct.py").read_bytes()}


@pytest.mark.parametrize(("name", "target", "reason"), [
    ("canary.txt", "SECRET", "canary.txt is a link (to "),
    ("data", "SECRET_FOLDER", "data is a link (to "),
    ("env.txt", "/proc/self/environ", "env.txt is a link (to /proc/self/environ)"),
    ("big.bin", "/dev/zero", "big.bin is a link (to /dev/zero)"),
    ("loop", ".", "loop is a link (to .)"),
])
def test_a_link_is_refused_never_followed(tmp_path, secret, name, target, reason):
    target = {"SECRET": str(secret), "SECRET_FOLDER": str(secret.parent)}.get(target, target)
    with pytest.raises(intake.Refused) as refused:
        intake.read(folder_with(tmp_path, **{name: target}))
    assert reason in str(refused.value) and SECRET not in str(refused.value)


def test_the_submission_itself_may_not_be_a_link(tmp_path, secret):
    (tmp_path / "zz.py").symlink_to(secret)
    with pytest.raises(intake.Refused, match="zz.py is a link"):
        intake.read(tmp_path / "zz.py")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    folder = folder_with(tmp_path)
    os.mkfifo(folder / "pipe")
    with pytest.raises(intake.Refused, match="pipe is not a regular file"):
        intake.read(folder)


def test_size_and_file_count_are_bounded(tmp_path, monkeypatch):
    folder = folder_with(tmp_path)
    monkeypatch.setattr(intake, "MAX_BYTES", 1000)
    with pytest.raises(intake.Refused, match="the submission is over 0 MB"):
        intake.read(folder)
    monkeypatch.setattr(intake, "MAX_BYTES", 10**9)
    monkeypatch.setattr(intake, "MAX_FILES", 1)
    with pytest.raises(intake.Refused, match="over 1 files"):
        intake.read(folder)


def linked_batch(tmp_path: Path, secret: Path) -> Path:
    """A batch: a folder whose solution is right but that links to the secret, a file that is itself a
    link to the secret, and an honest copy of the correct example."""
    batch = tmp_path / "batch"
    batch.mkdir()
    linked = folder_with(batch, **{"canary.txt": str(secret)})
    linked.rename(batch / "linked")
    (batch / "zz.py").symlink_to(secret)
    shutil.copy(FOLDER / "correct.py", batch / "honest.py")
    return batch


def student_text(out: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


@pytest.mark.skipif(os.geteuid() != 0, reason="the attack is on a grader that runs as root")
def test_pset3_grade_as_root_fails_a_linked_submission_closed_and_prints_no_secret(tmp_path, secret):
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograde", "grade", str(linked_batch(tmp_path, secret)),
                          "--out", str(out), *PART2], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    part2 = load_rubric().total(part=2)
    scores = {name: json.loads((out / name / "results.json").read_text())["score"]
              for name in ("linked", "zz.py", "honest.py")}
    assert scores == {"linked": 0, "zz.py": 0, "honest.py": part2}, scores
    linked = (out / "linked" / "feedback.md").read_text()
    assert "canary.txt is a link (to " in linked and "the grader follows no links" in linked, linked[-2000:]
    assert "zz.py is a link" in (out / "zz.py" / "feedback.md").read_text()
    assert SECRET not in student_text(out) + run.stdout + run.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the attack is on a grader that runs as root")
def test_run_autograder_fails_a_linked_upload_closed_and_prints_no_secret(bundle, tmp_path, secret):  # noqa: F811
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    shutil.copytree(bundle, root / "source")
    shutil.copy(FOLDER / "correct.py", root / "submission" / "solution.py")
    (root / "submission" / "canary.txt").symlink_to(secret)
    run = run_autograder(root)
    data = results(root)
    assert data["score"] == 0 and "canary.txt is a link" in json.dumps(data), data
    assert SECRET not in json.dumps(data) + run.stdout + run.stderr


def test_an_out_folder_others_can_write_is_refused(tmp_path):
    from autograde.batch.grade import prepare_out

    made = tmp_path / "made" / "out"
    prepare_out(made)  # made by the grader, before any worker starts
    assert made.is_dir() and not made.stat().st_mode & 0o002
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(ValueError, match="can be written by every user"):
        prepare_out(shared)
