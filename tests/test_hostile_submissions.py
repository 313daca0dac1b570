"""Hostile submissions, graded through the sandbox: each gets a result and the score its
observations earn, with a reason; none of their processes outlives grading; nothing forged counts."""

from pathlib import Path

import pytest

from autograde.spec.rubric import load_rubric

GRADED = {q for q, question in load_rubric().questions.items() if question.points > 0}
SUBMISSIONS = Path(__file__).parent / "submissions"


def line(name: str, code: str) -> str:
    """`NAME line N`, N the first line of the submission that holds `code`: what the grader names."""
    lines = (SUBMISSIONS / name).read_text().splitlines()
    return f"{name} line {next(n for n, text in enumerate(lines, 1) if code in text)}"
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
    ("hostile_patches_grader.py", "autograde.worker.probes.PROBES['forward'] "
                                  f"({line('hostile_patches_grader.py', 'module.PROBES[probe] = lambda')})"),
    ("hostile_patches_at_import.py",
     f"the submission replaced torch.is_grad_enabled ({line('hostile_patches_at_import.py', 'lambda')}) while "
     f"loading (by {line('hostile_patches_at_import.py', 'lambda')}: `torch.is_grad_enabled = lambda: False`); "
     f"the grader trusts nothing it observes after that"),
    ("hostile_child_process.py", "does not define `MLPNet`"),
    ("hostile_conftest", "conftest.py was ignored"),
    ("hostile_forges_frames.py",
     "the worker sent a malformed message while loading (the worker sent a message whose event"),
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


HONEST = {"2.1", "2.2", "2.3", "2.4", "2.5"}  # each hider's ANSWERS and MLPNet are right; its evaluate is not


@pytest.mark.parametrize(("name", "score", "reason"), [
    ("hostile_patches_is_grad_enabled.py", 18, "autograd was on in 16 of 16 forward passes"),
    ("hostile_patches_module_call.py", 18, "autograd was on in 16 of 16 forward passes"),
    ("hostile_float_subclass.py", 18, "evaluate returned a float (a subclass of float), expected a Python float"),
    ("hostile_replaces_no_grad.py", 16, "the submission replaced torch.no_grad (the class hostile_replaces_no_grad."
                                        f"no_grad, {line('hostile_replaces_no_grad.py', 'def __enter__')})"),
    ("hostile_patches_tensor_item.py", 16, "the submission replaced torch.Tensor.item "
                                           f"({line('hostile_patches_tensor_item.py', 'lambda')}), "
                                           "torch.Tensor.__float__"),
    ("hostile_patches_builtins.py", 16, "the submission replaced builtins.isinstance "
                                        f"({line('hostile_patches_builtins.py', 'lambda')}), builtins.float (the "
                                        "class torch.Tensor) while `evaluate(net, loader)` ran"),
    # Every module holding write_frame has it replaced: the worker's own frames module is the one named here (a
    # worker forked from the spec run also holds the spec side's copy, named before it).
    ("hostile_replaces_probe_table.py", 16, "autograde.wire.frames.write_frame "
                                            f"({line('hostile_replaces_probe_table.py', 'def _forged_reply')}), "
                                            "autograde.worker.probes.PROBES['evaluate'] "
                                            f"({line('hostile_replaces_probe_table.py', 'def _forged_probe')})"),
])
def test_a_hidden_mistake_costs_its_question_and_the_attempt_gains_nothing(spec_runs, name, score, reason):
    """Its evaluate is wrong and hides it: 3.4 is lost (half of it where the value was right and only
    the grad mode was forged), its honest answers keep their points, nothing else is gained."""
    run = spec_runs[name]
    assert not run.error, run.error
    assert run.failed == GRADED - HONEST, sorted(run.failed)
    assert run.results["score"] == score
    evaluation = next(t for t in run.results["tests"] if t["number"] == "3.4")
    assert reason in evaluation["output"], evaluation["output"]


def test_a_hang_is_paid_for_once(spec_runs):
    text = "\n".join(t["output"] for t in spec_runs["hostile_loop_in_forward.py"].results["tests"])
    assert text.count("timed out after 30 s while running forward on MLPNet") == 1
    assert "not run: forward on MLPNet timed out earlier" in text


def test_forged_results_files_change_nothing(spec_runs):
    run = spec_runs["hostile_writes_results.py"]
    assert run.results["score"] == 0 and run.results["max_score"] > 0
    assert all(other.results is None or other.results.get("score") != 1000 for other in spec_runs.values())


def test_no_process_of_theirs_outlives_grading(left_running):
    """Every spec run has finished: no process any of them started, detached or not, is still running."""
    assert left_running == [], f"left running: {left_running}"


def test_results_are_valid_json_files(spec_runs):
    for name, run in spec_runs.items():  # Outcome.results is the file, parsed
        assert run.results is not None and run.results["tests"], f"{name} wrote no results.json"
