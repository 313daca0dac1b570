"""Per-question results of a run: a run's tally (`Gradebook`), and one submission's grade as data (`Results`),
which alone reads and writes Gradescope's results.json (docs/architecture.md, The data flow of one grade)."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograde.spec.rubric import Question, Rubric

MAX_MESSAGE = 1500


@dataclass
class QuestionResult:
    question: Question
    score: float
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (test name, short message)
    skips: list[tuple[str, str]] = field(default_factory=list)  # (test name, why it was skipped)

    @property
    def ran(self) -> int:
        return self.passed + self.failed

    @property
    def graded(self) -> bool:
        """Worth points and observed: a question whose tests were all skipped here (the GPU tier
        without CUDA) is left out of the totals rather than scored 0."""
        return self.question.points > 0 and self.ran > 0


class Gradebook:
    """Collects each test's final outcome under its question id."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        self.collected: dict[str, str] = {}  # nodeid -> question id
        self.outcomes: dict[str, tuple[str, str]] = {}  # nodeid -> (outcome, message)

    def collect(self, nodeid: str, question_id: str) -> None:
        self.collected[nodeid] = question_id

    def record(self, nodeid: str, outcome: str, message: str = "") -> None:
        """Fold one phase's outcome in: a failure in any phase fails the test."""
        if nodeid not in self.collected:
            return
        previous = self.outcomes.get(nodeid, ("passed", ""))
        if previous[0] == "failed":
            return
        if outcome == "failed" or previous[0] == "passed":
            self.outcomes[nodeid] = (outcome, message)

    def results(self) -> list[QuestionResult]:
        by_id: dict[str, QuestionResult] = {}
        for nodeid, qid in self.collected.items():
            result = by_id.setdefault(qid, QuestionResult(self.rubric.questions[qid], 0.0))
            outcome, message = self.outcomes.get(nodeid, ("failed", "the test did not run to completion"))
            setattr(result, outcome, getattr(result, outcome) + 1)
            if outcome in ("failed", "skipped"):
                (result.failures if outcome == "failed" else result.skips).append((nodeid.split("::", 1)[-1], message))
        for qid, result in by_id.items():
            result.score = self.rubric.score(qid, result.passed, result.failed)
        return [by_id[q] for q in sorted(by_id, key=question_order)]


def question_order(qid: str) -> tuple[int, ...]:
    """A question id's place in the problem set: 1.2 before 1.10."""
    return tuple(int(p) if p.isdigit() else 0 for p in qid.split("."))


def fenced(text: str) -> str:
    """`text` as a Markdown code block, its fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def _shown(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


FAILED = "**FAILED**"
# One failed test in a question's Markdown output, as `_question_output` writes it.
_FAILURE = re.compile(rf"^{re.escape(FAILED)} `(?P<test>[^`\n]+)`\n\n(?P<fence>`{{3,}})\n(?P<message>.*?)\n(?P=fence)$",
                      re.M | re.S)


def _question_output(r: QuestionResult) -> str:
    """Markdown (results.json says `output_format: md`): each failure's message as a code block."""
    lines = [f"{r.passed} of {r.ran} tests passed" + (f", {r.skipped} skipped" if r.skipped else "")]
    lines += [f"\n{FAILED} `{name}`\n\n{fenced(_shown(message))}" for name, message in r.failures]
    return "\n".join(lines)


def _failures(output: str) -> tuple[tuple[str, str], ...]:
    """The (test, message) pairs a question's Markdown output shows (`_question_output` wrote it)."""
    return tuple((m["test"], m["message"]) for m in _FAILURE.finditer(output))


def versions() -> dict[str, str]:
    """The versions a grade depends on, for results.json's `extra_data` (read from metadata: no imports)."""
    found = {"python": platform.python_version()}
    for package in ("pset3-spec", "torch", "torchvision", "pytorch-lightning", "lightning"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


@dataclass(frozen=True)
class QuestionOutcome:
    """One question's result: an entry of results.json's `tests` (Gradescope's format), with how many of
    its tests passed, ran and were skipped."""

    id: str
    title: str
    score: float
    max_score: float
    passed: bool
    visibility: str = "visible"
    output: str = ""  # Markdown: each failed test, its message in a code block
    tests: tuple[int, int, int] | None = None  # (passed, ran, skipped); None where not counted (fail-closed)

    @property
    def failures(self) -> tuple[tuple[str, str], ...]:
        """(test, message) of each failed test, as `output` shows them: results.json holds them only there."""
        return _failures(self.output)

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"

    def to_json(self) -> dict[str, Any]:
        return {"number": self.id, "name": f"{self.id} {self.title}", "score": round(self.score, 4),
                "max_score": self.max_score, "status": self.status, "visibility": self.visibility,
                "output": self.output}

    @classmethod
    def from_json(cls, entry: dict[str, Any], tests: list[int] | None) -> QuestionOutcome:
        """An entry of `tests`; one another autograder wrote may lack a number, a name or a status (a
        Gradescope export of any assignment), as Gradescope's format allows."""
        name = str(entry.get("name", ""))
        qid, output = str(entry.get("number") or name or "?"), entry.get("output", "")
        score, max_score = float(entry.get("score", 0.0)), float(entry.get("max_score", 0.0))
        passed = entry["status"] == "passed" if "status" in entry else score >= max_score
        return cls(qid, name.removeprefix(f"{qid} ") if name != qid else "", score, max_score, passed,
                   entry.get("visibility", "visible"), output, tuple(tests) if tests else None)


@dataclass(frozen=True)
class Results:
    """One submission's grade as data: built by the plugin (or `fail_closed`), serialised to results.json
    only by `to_json`, and passed along as it is by everything that runs the spec."""

    questions: tuple[QuestionOutcome, ...]  # the graded questions, in question order
    output: str = ""  # Markdown: the load report, or why the submission could not be graded
    seed: int | None = None
    execution_time: float = 0.0
    skipped: dict[str, list[str]] = field(default_factory=dict)  # per question, why each skipped test did not run
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return round(sum(q.score for q in self.questions), 4)

    @property
    def max_score(self) -> float:
        return sum(q.max_score for q in self.questions)

    def scores(self) -> dict[str, float]:
        return {q.id: q.score for q in self.questions}

    def to_json(self) -> dict[str, Any]:
        """Gradescope's results.json: output in Markdown, pytest's own stdout hidden from students."""
        extra: dict[str, Any] = {"versions": self.versions}
        if self.seed is not None:
            extra["seed"] = self.seed
        if self.skipped:
            extra["skipped"] = self.skipped
        counted = {q.id: list(q.tests) for q in self.questions if q.tests is not None}
        if counted:
            extra["tests"] = counted
        return {"score": self.score, "max_score": self.max_score, "execution_time": round(self.execution_time, 2),
                "output": self.output, "output_format": "md", "test_output_format": "md", "visibility": "visible",
                "stdout_visibility": "hidden", "extra_data": extra, "tests": [q.to_json() for q in self.questions]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Results:
        """A results.json another process wrote (a spec run's, a finished submission's of an earlier batch)."""
        extra = data.get("extra_data", {})
        counted = extra.get("tests", {})
        return cls(tuple(QuestionOutcome.from_json(t, counted.get(str(t.get("number")))) for t in data["tests"]),
                   data.get("output", ""), extra.get("seed"), float(data.get("execution_time", 0.0)),
                   extra.get("skipped", {}), extra.get("versions", {}))

    @classmethod
    def read(cls, path: Path) -> Results | None:
        """The results at `path`, or None where there are none (missing, or not results.json)."""
        try:
            return cls.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, path: Path) -> None:
        write_json_atomically(path, self.to_json())

    def noting(self, text: str) -> Results:
        """These results with `text` (Markdown) before their output: why a run stopped, say."""
        return replace(self, output="\n\n".join(filter(None, [text, self.output])))

    def timed(self, seconds: float) -> Results:
        return replace(self, execution_time=seconds)


def graded(results: list[QuestionResult], execution_time: float, output: str = "", seed: int | None = None
           ) -> Results:
    """A run's Results: one entry per graded question (0-point questions, and questions whose tests were
    all skipped, are not graded); `output`, the load report, in a code block."""
    questions = tuple(QuestionOutcome(r.question.id, r.question.title, r.score, r.question.points,
                                      r.failed == 0 and r.ran > 0, r.question.visibility, _question_output(r),
                                      (r.passed, r.ran, r.skipped))
                      for r in results if r.graded)
    skipped = {r.question.id: [why for _, why in r.skips] for r in results if r.skips and r.question.points}
    return Results(questions, fenced(output) if output else "", seed, execution_time, skipped, versions())


def fail_closed(rubric: Rubric, reason: str) -> Results:
    """A zero for every graded question, each saying why: what a submission gets when it could not be
    graded at all."""
    questions = tuple(QuestionOutcome(q.id, q.title, 0, q.points, False, q.visibility, f"not graded: {reason}")
                      for q in rubric.questions.values() if q.points > 0)
    return Results(questions, fenced(f"This submission could not be graded: {reason}"), versions=versions())


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(data, indent=2))
