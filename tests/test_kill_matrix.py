"""The kill matrix: the reference earns every point, each mutant loses exactly its own question."""

import pytest

from autograde.matrix import read_catalog
from autograde.rubric import load_rubric

MUTANTS = read_catalog()


def test_every_mutant_names_a_graded_question():
    rubric = load_rubric()
    for m in MUTANTS:
        assert m.question in rubric.questions and rubric.questions[m.question].points > 0, m


def test_reference_earns_every_point(spec_runs):
    run = spec_runs["reference"]
    assert not run.error, run.error
    assert run.exit_code == 0
    assert run.results["score"] == run.results["max_score"] > 0
    assert {t["number"] for t in run.results["tests"]} >= {"2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"}
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in run.results["tests"])


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_fails_its_question_and_no_other(spec_runs, mutant):
    run = spec_runs[mutant.name]
    assert not run.error, run.error
    assert run.failed == {mutant.question}, (
        f"{mutant.name} ({mutant.mistake}) should fail exactly question {mutant.question}; "
        f"it failed {sorted(run.failed)}")


def test_every_graded_spec_test_fails_on_some_mutant(spec_runs):
    """A spec test no mutant fails cannot be shown to check anything."""
    runs = [spec_runs[m.name] for m in MUTANTS]
    graded = {test for run in runs for test, outcome in run.tests.items() if outcome != "skipped"}
    killed = {test for run in runs for test, outcome in run.tests.items() if outcome == "failed"}
    assert graded, "no per-test outcomes were recorded"
    assert graded - killed == set(), "spec tests that no mutant fails (add a mutant that they catch)"
