"""The wheel is the grader: installed into a fresh venv (tests/venvs.py), far from any checkout, every
command works."""

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from venvs import ONE_THREAD, command, finish, install

from autograde.common.layout import PACKAGE_DIR
from autograde.spec.rubric import load_rubric
from tools.examples import FOLDER

CORRECT = FOLDER / "correct.py"


def test_the_wheel_carries_every_package_the_spec_and_the_rubric(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in [PACKAGE_DIR / "autograde", PACKAGE_DIR / "reference", PACKAGE_DIR / "spec_tests"]:
        sources = {p.relative_to(PACKAGE_DIR).as_posix() for p in package.rglob("*.py")}
        assert sources <= names, sorted(sources - names)
    assert {"autograde/spec/rubric.toml", "autograde/batch/gradescope/setup.sh",
            "autograde/batch/gradescope/run_autograder"} <= names
    assert "conftest.py" not in names  # the checkout's, for a checkout only: installed, the entry point registers


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; returns its bin folder."""
    return install(wheel, tmp_path_factory.mktemp("fresh"))


def test_the_venv_imports_the_installed_wheel_not_the_checkout(installed, tmp_path):
    code = ("import importlib.util as u, autograde.common.layout as l; "
            "print(l.PACKAGE_DIR, l.CHECKOUT, *(u.find_spec(p).origin for p in ('reference', 'spec_tests')))")
    out = finish(command(installed, "python", "-c", code, cwd=tmp_path)).split()
    assert out[1] == "None", out
    assert all(Path(p).is_relative_to(installed.parent) for p in (out[0], *out[2:])), out


def test_pset3_grade_grades_the_correct_example_from_a_temporary_folder(installed, tmp_path):
    (tmp_path / "submissions").mkdir()
    shutil.copy(CORRECT, tmp_path / "submissions")
    # Part 2 alone: what is tested is grading from site-packages (the Gradescope test grades all of it)
    finish(command(installed, "pset3", "grade", "submissions", "--out", "out", "-m", "part2", cwd=tmp_path))
    data = json.loads((tmp_path / "out" / "correct.py" / "results.json").read_text())
    assert data["score"] == data["max_score"] == load_rubric().total(part=2)


def test_check_report_template_and_pytest_work_from_a_temporary_folder(installed, tmp_path):
    shutil.copy(CORRECT, tmp_path)
    runs = {  # side by side: each is a spec run of its own, mostly waiting on its imports
        "check": command(installed, "pset3", "check", "correct.py", "-m", "part2", cwd=tmp_path, **ONE_THREAD),
        "report": command(installed, "pset3", "report", "-m", "part2", "--results-json", "report.json",
                          cwd=tmp_path, **ONE_THREAD),
        "pytest": command(installed, "python", "-m", "pytest", "--impl", "correct.py", "-m", "part2",
                          "-p", "no:cacheprovider", cwd=tmp_path, **ONE_THREAD),
    }
    printed = {name: finish(proc) for name, proc in runs.items()}
    assert "26 / 26" in printed["check"]
    assert json.loads((tmp_path / "report.json").read_text())["score"] == 26
    assert "passed" in printed["pytest"] and "26 / 26" in printed["pytest"]
    finish(command(installed, "pset3", "template", "skeleton", cwd=tmp_path))
    assert (tmp_path / "skeleton").is_dir() and any((tmp_path / "skeleton").iterdir())


def test_what_only_a_checkout_has_is_refused_with_the_reason(installed, tmp_path):
    proc = command(installed, "pset3", "mutants", cwd=tmp_path)
    output = proc.communicate(timeout=120)[0]
    assert proc.returncode == 2 and "only in a checkout" in output
