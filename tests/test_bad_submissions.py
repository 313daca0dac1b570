"""Bad input: every submission gets a result, and each failure says what is wrong."""

import re

from autograde.spec.rubric import load_rubric

GRADED = {q for q, question in load_rubric().questions.items() if question.points > 0}
PART1 = {q for q in GRADED if q.startswith("1.")}
PART2 = {q for q in GRADED if q.startswith("2.")}
PART3 = {q for q in GRADED if q.startswith("3.")}


def outputs(run) -> str:
    return "\n".join(t["output"] for t in run.results["tests"])


def test_empty_submission_scores_exactly_zero(spec_runs):
    run = spec_runs["empty.py"]
    assert run.exit_code == 1
    assert run.results["score"] == 0
    assert {t["number"] for t in run.results["tests"]} >= PART2
    assert "does not define `MLPNet`; it defines: NOTE" in outputs(run)


def test_missing_names_fail_only_the_questions_that_need_them(spec_runs):
    run = spec_runs["partial.py"]
    assert run.failed == PART1 | {"2.6", "2.7"} | PART3
    assert "does not define `LeNetRBF`; it defines: ANSWERS, MLPNet, helper_not_in_the_contract" in outputs(run)


def test_syntax_error_fails_every_test_briefly_and_is_shown_once(spec_runs):
    run = spec_runs["syntax_error.py"]
    assert run.results["score"] == 0
    assert run.failed >= PART2
    assert "syntax_error.py, line 3: SyntaxError" in outputs(run)
    # Each failed test says it in two lines; the full error (with the caret) appears once.
    assert len(re.findall(r"class MLPNet\(nn.Module\)\n\s+\^", run.log)) == 1, run.log[-3000:]
    assert "Traceback" not in run.log


def test_a_statement_that_raises_is_reported_once_and_loading_goes_on(spec_runs):
    run = spec_runs["raises_at_import.py"]
    # Its ANSWERS (before the failure) earn 2.4's answer test; its MLPNet (after it) is empty.
    assert {t["number"]: t["score"] for t in run.results["tests"] if t["score"]} == {"2.4": 1}
    assert re.search(r"line 6 \(weights = torch.load\('/nonexistent/checkpoint.pt'\)\) failed: FileNotFoundError: "
                     r".*checkpoint.pt", run.results["output"])


def test_folder_with_mapping_is_graded_through_it_and_its_conftest_is_never_loaded(spec_runs):
    run = spec_runs["mapped_notebook_style"]
    assert not run.error, run.error
    assert run.failed == PART1 | PART3  # it answers Part 2 only
    assert "conftest.py was ignored" in run.results["output"]


def test_unparsable_mapping_fails_with_its_error(spec_runs):
    run = spec_runs["bad_mapping"]
    assert run.results["score"] == 0
    assert "pset3.toml is not valid TOML" in outputs(run)


def test_results_have_one_entry_per_graded_question(spec_runs):
    results = spec_runs["partial.py"].results
    numbers = [t["number"] for t in results["tests"]]
    assert len(numbers) == len(set(numbers))
    assert set(results) >= {"score", "max_score", "execution_time", "tests"}
    for t in results["tests"]:
        assert set(t) >= {"number", "name", "score", "max_score", "status", "visibility", "output"}
        assert t["name"].startswith(t["number"] + " ")
        assert 0 <= t["score"] <= t["max_score"]
    assert results["score"] == sum(t["score"] for t in results["tests"])


def test_a_download_fails_at_once_naming_the_data_root(spec_runs):
    run = spec_runs["downloads_cifar.py"]
    assert run.failed == {"1.1"}
    assert re.search(r"raised URLError: .*no network here: CIFAR-10 is already at the root you were given \(/",
                     outputs(run))


def test_wrong_output_shapes_are_reported_with_both_shapes(spec_runs):
    run = spec_runs["wrong_shapes.py"]
    assert run.failed == {"2.2", "1.6"}
    text = outputs(run)
    assert "MLPNet()(x) for x of shape [32, 32] returned shape [1, 10], expected [10]" in text
    assert "returned shape [3, 1, 10], expected [3, 10]" in text
    assert "At index" not in text  # pytest's operand diff stays in the terminal, not in results.json


def test_notebook_is_run_cell_by_cell_and_graded_through_its_mapping(spec_runs):
    run = spec_runs["notebook_folder"]
    assert not run.error, run.error
    assert run.failed == PART1 | PART3  # its Part 2 is complete
    output = run.results["output"]
    assert "cell 1, line 2 (!pip install torch) was not run: an IPython magic or shell line" in output
    assert "plt.plot" not in output  # its plotting cell ran (matplotlib's Agg backend)
    assert "cell 9 (SyntaxError at line 1: '(' was never closed) was not run: does not parse" in output
