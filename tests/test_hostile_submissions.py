"""Hostile submissions, graded through the sandbox: each gets a result and the score its
observations earn, with a reason; none of their processes outlives grading; nothing forged counts."""

import json
import subprocess

import pytest

from autograde.rubric import load_rubric

GRADED = {q for q, question in load_rubric().questions.items() if question.points > 0}
ANSWER_TESTS = {"2.1"}  # questions a right ANSWERS dict earns on its own (2.4 and 2.5 also need MLPNet)


def outputs(run) -> str:
    return run.results["output"] + "\n" + "\n".join(t["output"] for t in run.results["tests"])


@pytest.mark.parametrize(("name", "reason"), [
    ("hostile_exit_at_import.py", "line 5 (os._exit(0)) was skipped: it ended the process (exit code 0); the "
                                  "grader loaded the submission again without it"),
    ("hostile_loop_at_import.py", "line 3 (while True:) was interrupted: it ran over its 10 s budget"),
    ("hostile_allocates_50gb.py", "(buffer = torch.empty(50 * 1024 ** 3, dtype=torch.uint8)) failed: RuntimeError"),
    ("hostile_network.py", "failed: OSError: [Errno 101] Network is unreachable (the grader has no network)"),
    ("hostile_writes_results.py", "does not define `MLPNet`"),
    ("hostile_patches_grader.py", "returned a bool, expected a tensor"),
    ("hostile_child_process.py", "does not define `MLPNet`"),
    ("hostile_conftest", "conftest.py was ignored"),
    ("hostile_forges_frames.py", "the worker sent a malformed message while loading (KeyError"),
])
def test_hostile_submission_scores_zero_with_its_reason(spec_runs, name, reason):
    run = spec_runs[name]
    assert not run.error, run.error
    assert run.results["score"] == 0 and run.failed == GRADED
    assert reason in outputs(run), outputs(run)[-3000:]


@pytest.mark.parametrize(("name", "earned", "reason"), [
    ("hostile_exit_in_forward.py", ANSWER_TESTS, "process ended (exit code 0) while running forward on MLPNet"),
    ("hostile_loop_in_forward.py", set(), "timed out after 30 s while running forward on MLPNet"),
    ("hostile_prints_100mb.py", ANSWER_TESTS, "more bytes of output dropped"),
    ("hostile_uninterruptible_at_import.py", ANSWER_TESTS,
     "line 5 (if True:) was skipped: it did not stop when interrupted at its 10 s budget; the grader loaded the "
     "submission again without it"),
])
def test_hostile_submission_keeps_what_its_honest_answers_earn(spec_runs, name, earned, reason):
    run = spec_runs[name]
    assert not run.error, run.error
    assert run.failed == GRADED - earned, sorted(run.failed)
    assert reason in outputs(run), outputs(run)[-3000:]


def test_a_hang_is_paid_for_once(spec_runs):
    text = "\n".join(t["output"] for t in spec_runs["hostile_loop_in_forward.py"].results["tests"])
    assert text.count("timed out after 30 s while running forward on MLPNet") == 1
    assert "not run: forward on MLPNet timed out earlier" in text


def test_forged_results_files_change_nothing(spec_runs):
    run = spec_runs["hostile_writes_results.py"]
    assert run.results["score"] == 0 and run.results["max_score"] > 0
    assert all(other.results is None or other.results.get("score") != 1000 for other in spec_runs.values())


def test_no_process_of_theirs_outlives_grading(spec_runs):
    assert spec_runs  # all grading has finished
    found = subprocess.run(["pgrep", "-f", "pset3-hostile-child|autograde.worker"], capture_output=True, text=True)
    assert found.stdout.strip() == "", f"left running: {found.stdout}"


def test_results_are_valid_json_files(spec_runs):
    for run in spec_runs.values():
        assert run.results is not None and json.loads(json.dumps(run.results))["tests"]
