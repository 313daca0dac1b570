"""The rubric: points and titles per question, and how a question's tests become its score."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograde.common.layout import DEFAULT_RUBRIC

SCORING_RULES = ("fraction", "all")
# Gradescope's visibilities: a course may keep some questions from students until the due date.
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    points: float
    visibility: str = "visible"

    @property
    def part(self) -> int:
        return int(self.id.split(".")[0])


@dataclass(frozen=True)
class Rubric:
    questions: dict[str, Question]
    scoring: str = "fraction"
    # property -> contract name -> question: where each of the field's model-test properties
    # (spec_tests/test_model_properties.py) counts, per model.
    properties: dict[str, dict[str, str]] = field(default_factory=dict)

    def question_of(self, prop: str, name: str) -> str:
        """The question that property `prop` of contract name `name` counts toward."""
        try:
            return self.properties[prop][name]
        except KeyError:
            raise KeyError(f"the rubric says no question for property {prop!r} of {name}: add "
                           f'`{name} = "QUESTION"` under [properties.{prop}]') from None

    def total(self, part: int | None = None) -> float:
        """The points of every question, or of one part's."""
        return sum(q.points for q in self.questions.values() if part is None or q.part == part)

    def score(self, question_id: str, passed: int, failed: int) -> float:
        """Points earned for one question; no test run means nothing earned (fail closed)."""
        points = self.questions[question_id].points
        if passed + failed == 0:
            return 0.0
        if self.scoring == "all":
            return points if failed == 0 else 0.0
        return points * passed / (passed + failed)


def load_rubric(path: Path = DEFAULT_RUBRIC) -> Rubric:
    """Read and validate a rubric file; errors name the file and the offending entry."""
    raw = tomllib.loads(path.read_text())
    scoring = raw.get("scoring", "fraction")
    if scoring not in SCORING_RULES:
        raise ValueError(f"{path}: scoring must be one of {SCORING_RULES}, not {scoring!r}")
    questions = {}
    for qid, entry in raw.get("questions", {}).items():
        if not isinstance(entry.get("points"), int | float) or entry["points"] < 0 or "title" not in entry:
            raise ValueError(f"{path}: question {qid} needs a title and points >= 0")
        visibility = entry.get("visibility", "visible")
        if visibility not in VISIBILITIES:
            raise ValueError(f"{path}: question {qid}: visibility must be one of {VISIBILITIES}, not {visibility!r}")
        questions[qid] = Question(qid, entry["title"], float(entry["points"]), visibility)
    if not questions:
        raise ValueError(f"{path}: no [questions.\"ID\"] entries")
    if "properties" not in raw:  # a course's rubric without them counts them where the bundled one does
        return Rubric(questions, scoring, _bundled_properties())
    properties = raw["properties"]
    for prop, table in properties.items():
        for name, qid in table.items():
            if qid not in questions:
                raise ValueError(f"{path}: [properties.{prop}] {name} = {qid!r} is not a question of the rubric")
    return Rubric(questions, scoring, properties)


def _bundled_properties() -> dict[str, dict[str, str]]:
    return tomllib.loads(DEFAULT_RUBRIC.read_text()).get("properties", {})
