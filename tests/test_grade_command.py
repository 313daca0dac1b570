"""`pset3 grade` on the bundled examples: every submission gets a result, the CSV matches them,
a rerun grades only what is missing, and a killed run loses nothing already written."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from autograde.batch.grade import done
from autograde.spec.render import LOAD_HEADING, feedback
from autograde.spec.results import Results
from autograde.spec.rubric import load_rubric
from tools.examples import FOLDER, MISTAKES, sources

GRADED_PARTS = {"1", "3"}


def test_examples_are_built_from_the_current_reference():
    for name, text in sources().items():
        assert (FOLDER / name).read_text() == text, f"run: python tools/examples.py ({name} is stale)"


def grade(out, *extra, folder=FOLDER, cwd=None):
    return subprocess.Popen([sys.executable, "-m", "autograde", "grade", str(folder), "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("graded")
    proc = grade(out, folder=FOLDER.relative_to(FOLDER.parents[1]), cwd=FOLDER.parents[1])  # as the README says
    output, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, output
    return out, output


def results(out, name):
    return json.loads((out / name / "results.json").read_text())


def test_correct_example_earns_every_point(graded):
    data = results(graded[0], "correct.py")
    assert data["score"] == data["max_score"] == load_rubric().total()


def test_buggy_example_loses_exactly_the_questions_of_its_mistakes(graded):
    data = results(graded[0], "buggy.py")
    lost = {t["number"] for t in data["tests"] if t["score"] < t["max_score"]}
    assert lost == {question for question, _, _ in MISTAKES}


def test_notebook_example_is_graded_through_its_mapping(graded):
    data = results(graded[0], "notebook")
    lost = {t["number"] for t in data["tests"] if t["score"] < t["max_score"]}
    assert lost and all(q.split(".")[0] in GRADED_PARTS for q in lost), lost  # all of Part 2 earned


def test_outputs_per_submission_and_a_gradebook_that_matches(graded):
    out, printed = graded
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [r["submission"] for r in rows] == ["buggy.py", "correct.py", "notebook"]
    for row in rows:
        data = results(out, row["submission"])
        assert float(row["total"]) == data["score"]
        assert all(float(row[t["number"]]) == t["score"] for t in data["tests"])
        assert (out / row["submission"] / "junit.xml").exists()
        shown = (out / row["submission"] / "feedback.md").read_text()
        assert shown.startswith(f"# {row['submission']}: ")
        assert_load_report_before_failures(shown, data)
    assert "gradebook" in printed


def assert_load_report_before_failures(shown, data):
    """feedback.md: the score table, then the load report under its heading, then the failures."""
    first_failure = min((shown.index(f"## {t['name']}\n") for t in data["tests"] if t["status"] != "passed"),
                        default=len(shown))
    assert shown.index("| question | points |") < first_failure
    if data["output"]:
        heading = shown.index(f"## {LOAD_HEADING}\n")
        assert shown.index("| question | points |") < heading < shown.index(data["output"]) < first_failure
    else:
        assert f"## {LOAD_HEADING}" not in shown


def test_feedback_puts_the_load_report_after_the_table_and_before_every_failure():
    """A script with many failures has a long feedback.md: what loading skipped (which explains many
    of the failures at once) is read only where it comes first."""
    report = "```\nbuggy.py: 40 top-level statements ran; 2 did not (line 12 needs the dataset)\n```"
    tests = [{"number": q, "name": f"{q} Question {q}", "score": s, "max_score": 1.0,
              "status": "passed" if s else "failed", "output": f"**FAILED** `test_{q}`" if not s else ""}
             for q, s in (("1.1", 0.0), ("1.2", 1.0), ("2.1", 0.0))]
    data = {"score": 1.0, "max_score": 3.0, "output": report, "tests": tests}
    shown = feedback("buggy.py", Results.from_json(data))
    assert_load_report_before_failures(shown, data)
    assert shown.index(report) < shown.index("**FAILED** `test_1.1`") < shown.index("**FAILED** `test_2.1`")
    assert shown.count(report) == 1 and "## 1.2 Question 1.2" not in shown  # passed questions are not repeated
    without = feedback("correct.py", Results.from_json({**data, "output": ""}))
    assert_load_report_before_failures(without, {**data, "output": ""})


def test_each_submission_gets_a_fresh_seed_and_that_seed_reproduces_its_grade(graded, tmp_path):
    seeds = {name: results(graded[0], name)["extra_data"]["seed"] for name in ("buggy.py", "correct.py", "notebook")}
    assert len(set(seeds.values())) == 3, seeds  # drawn per submission (a clash is a 1-in-a-billion chance)
    folder = tmp_path / "again"
    folder.mkdir()
    (folder / "buggy.py").write_text((FOLDER / "buggy.py").read_text())
    # Part 3 alone: the output of buggy.py's 3.3 (its weights' largest difference) depends on the seed.
    proc = grade(tmp_path / "out", "--seed", str(seeds["buggy.py"]), "-m", "part3", folder=folder)
    output, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, output
    again, first = results(tmp_path / "out", "buggy.py"), results(graded[0], "buggy.py")
    assert again["extra_data"]["seed"] == seeds["buggy.py"]
    assert again["tests"] == [t for t in first["tests"] if t["number"].startswith("3.")]


def test_a_rerun_grades_only_what_is_missing(graded, tmp_path):
    out, _ = graded
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*/results.json")}
    started = time.monotonic()
    proc = grade(out)
    proc.communicate(timeout=300)
    assert proc.returncode == 0 and time.monotonic() - started < 60
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/results.json")} == stamps


def test_a_killed_batch_resumes_with_one_complete_result_each(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    for k in range(3):
        (folder / f"student{k}.py").write_text((FOLDER / "correct.py").read_text())
    out = tmp_path / "out"
    part2 = ("-m", "part2")  # what is tested is resuming, not grading: one part's spec is enough
    proc = grade(out, "--workers", "1", *part2, folder=folder)
    deadline = time.monotonic() + 600
    while not any(done(p) for p in out.glob("*")) and time.monotonic() < deadline:
        time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    finished = {p.name for p in out.glob("*") if done(p)}
    assert 1 <= len(finished) < 3
    again = grade(out, "--workers", "2", *part2, folder=folder)
    again.communicate(timeout=900)
    assert again.returncode == 0
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert sorted(r["submission"] for r in rows) == ["student0.py", "student1.py", "student2.py"]
    assert all(float(r["total"]) == load_rubric().total(part=2) for r in rows)  # every point of Part 2
    assert not list(out.rglob(".*.tmp"))
