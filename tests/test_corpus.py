"""The corpus of real-style submissions (tests/corpus/grades.toml): each is graded, through the
sandbox and the grader's own defaults, exactly as a careful TA grades it, question by question."""

import tomllib
from pathlib import Path

import pytest

from autograde.spec.rubric import load_rubric
from autograde.worker.execution import LOAD_TIMEOUT

GRADES = tomllib.loads((Path(__file__).parent / "corpus" / "grades.toml").read_text())
POINTS = {q: question.points for q, question in load_rubric().questions.items() if question.points > 0}


def expected_scores(grade: dict) -> dict[str, float]:
    """Every graded question's score: its points where `full` lists it (or its part), the exact score
    `partial` gives it, else 0."""
    full, partial = grade["full"], grade.get("partial", {})
    earning = {q for item in full for q in POINTS
               if q == item or (item.startswith("part") and q.startswith(item.removeprefix("part") + "."))}
    assert earning, f"{full} names no graded question"
    assert not earning & set(partial), f"{sorted(earning & set(partial))} are both full and partial"
    assert all(q in POINTS and 0 < partial[q] < POINTS[q] for q in partial), f"partial {partial}: not partial scores"
    return {q: partial.get(q, points if q in earning else 0) for q, points in POINTS.items()}


def test_every_corpus_submission_has_a_grade(corpus):
    assert {p.name for p in corpus} == set(GRADES)


@pytest.mark.parametrize("name", sorted(GRADES))
def test_corpus_submission_gets_the_grade_a_careful_ta_gives(spec_runs, name):
    run = spec_runs[f"corpus/{name}"]
    assert not run.error, run.error
    scores = {t["number"]: t["score"] for t in run.results["tests"]}
    expected = expected_scores(GRADES[name])
    wrong = {q: f"{scores.get(q)} instead of {score}" for q, score in expected.items() if scores.get(q) != score}
    assert not wrong, f"{name} ({GRADES[name]['style']}): {wrong}\n{run.results['output'][-3000:]}"
    shown = run.results["output"] + "\n".join(t["output"] for t in run.results["tests"])
    for text in GRADES[name].get("feedback", []):
        assert text in shown, f"{name}: the feedback lacks {text!r}:\n{shown[-3000:]}"


@pytest.mark.parametrize("name", sorted(n for n in GRADES if GRADES[n].get("endless")))
def test_an_endless_top_level_costs_no_more_than_the_load_budget(spec_runs, name):
    """The acceptance bound of a submission whose top level never ends: graded within the load
    budget plus 30 s (its statement is interrupted at the statement budget, far sooner)."""
    assert spec_runs[f"corpus/{name}"].results["execution_time"] < LOAD_TIMEOUT + 30
