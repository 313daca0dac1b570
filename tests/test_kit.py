"""The student kit (`pset3 kit`): nothing of the reference inside, and, installed in a fresh venv,
its checks say what the staff grader says under the public seed."""

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from venvs import ONE_THREAD, command, finish, install

from autograde.batch.specrun import pytest_command, thread_env
from autograde.commands.kit import STAFF_ONLY, build
from autograde.common.layout import PACKAGE_DIR, RECORDED_ANSWERS, REFERENCE_DIR
from autograde.spec.recording import RECORDED_SEED
from tools.examples import FOLDER

LONGEST_SHARED = 30  # a line of the reference longer than this may appear nowhere in the kit


@pytest.fixture(scope="module")
def kit(recorded_answers, tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("kit") / "pset3-kit", recording=recorded_answers)


@pytest.fixture(scope="module")
def kit_files(kit, tmp_path_factory) -> Path:
    """Every file a student gets: the kit's folder, and its wheel unpacked beside it."""
    files = tmp_path_factory.mktemp("kit-files")
    shutil.copytree(kit.parent, files / "folder")
    zipfile.ZipFile(kit).extractall(files / "wheel")
    return files


@pytest.fixture(scope="module")
def kit_bin(kit, tmp_path_factory) -> Path:
    return install(kit, tmp_path_factory.mktemp("kit-venv"))


def test_the_kit_holds_no_line_of_the_reference(kit_files):
    lines = {line.strip() for path in REFERENCE_DIR.rglob("*.py") for line in path.read_text().splitlines()
             if len(line.strip()) > LONGEST_SHARED}
    assert lines, "no reference lines to look for"
    found = {}
    for path in kit_files.rglob("*"):
        if path.is_file():
            shared = lines & {line.strip() for line in path.read_bytes().decode(errors="replace").splitlines()}
            if shared:
                found[str(path.relative_to(kit_files))] = sorted(shared)
    assert found == {}, f"lines of reference/ in the kit (reword the reference's line, or the kit's): {found}"


def test_the_kit_holds_no_reference_module_bytecode_mutant_or_staff_tool(kit_files):
    names = {p.relative_to(kit_files / "wheel").as_posix() for p in (kit_files / "wheel").rglob("*") if p.is_file()}
    assert not [n for n in names if n.startswith(("reference/", "mutants/")) or n.endswith(".pyc")], sorted(names)
    staff = [n for n in names if any(n == f"autograde/{s}" or n.startswith(f"autograde/{s}/") for s in STAFF_ONLY)]
    assert staff == []
    assert RECORDED_ANSWERS.relative_to(PACKAGE_DIR).as_posix() in names
    assert (kit_files / "folder" / "README.md").is_file()


def check(bin_dir: Path, submission: Path, cwd: Path, *more: str) -> subprocess.Popen:
    shutil.copy(submission, cwd)
    return command(bin_dir, "pset3", "check", submission.name, "--results-json", f"{submission.stem}.json", *more,
                   cwd=cwd, **ONE_THREAD)


def test_the_kit_checks_as_the_staff_grader_grades_under_the_public_seed(kit_bin, tmp_path):
    """The correct example passes every check; the buggy one gets, question by question, the staff grade."""
    staff = subprocess.Popen(pytest_command(FOLDER / "buggy.py", "-q", "--seed", str(RECORDED_SEED), "--results-json",
                                            str(tmp_path / "staff.json")), cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.STDOUT, env=thread_env(1))
    correct = check(kit_bin, FOLDER / "correct.py", tmp_path)
    printed = finish(correct)
    buggy = check(kit_bin, FOLDER / "buggy.py", tmp_path)
    finish(buggy, 1)
    assert staff.wait(600) == 1
    ours = json.loads((tmp_path / "correct.json").read_text())
    assert ours["score"] == ours["max_score"] > 0 and "skipped" not in ours["extra_data"], ours
    assert "compared with the reference's answers recorded for it" in " ".join(printed.split()), printed
    kit_grades = json.loads((tmp_path / "buggy.json").read_text())
    staff_grades = json.loads((tmp_path / "staff.json").read_text())
    assert "skipped" not in kit_grades["extra_data"], kit_grades["extra_data"]
    by_question = {t["number"]: (t["score"], t["status"]) for t in staff_grades["tests"]}
    assert {t["number"]: (t["score"], t["status"]) for t in kit_grades["tests"]} == by_question
    assert kit_grades["score"] < kit_grades["max_score"]


@pytest.mark.parametrize(("args", "reason"), [
    (["grade", "subs", "--out", "out"], "grading needs the live reference under random seeds"),
    (["gradescope", "--out", "a.zip"], "the Gradescope autograder is built from the staff grader"),
    (["report"], "it runs the spec on the reference"),
    (["check", "x.py", "--seed", "5"], f"the kit checks under the public seed {RECORDED_SEED} only"),
])
def test_the_kit_refuses_what_needs_the_reference_with_the_reason(kit_bin, tmp_path, args, reason):
    (tmp_path / "x.py").write_text("")
    output = finish(command(kit_bin, "pset3", *args, cwd=tmp_path), 2)
    assert reason in output, output
