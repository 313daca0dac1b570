"""Per-question results of a run: the terminal table and Gradescope's results.json (docs/architecture.md)."""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import platform
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

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
        return [by_id[q] for q in sorted(by_id, key=_question_order)]


def _question_order(qid: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in qid.split("."))


def _points(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


Row = tuple[list[str], str | None]  # a table row's cells and its rich style


def table(title: str, columns: list[tuple[str, str]], rows: list[Row]) -> Table:
    """Every table the grader prints (the run's results, `pset3 check`, the gradebook): `columns` are
    (header, justify) pairs; a row whose first cell is "Total" is bold."""
    out = Table(title=title or None, title_justify="left")
    for header, justify in columns:
        out.add_column(header, justify=justify)
    for cells, style in rows:
        out.add_row(*cells, style=("bold " + (style or "")).strip() if cells[0].lower() == "total" else style)
    return out


def to_text(rendered: Table, color: bool, width: int = 100) -> str:
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=color, no_color=not color, width=width).print(rendered)
    return buffer.getvalue()


def render_table(results: list[QuestionResult], title: str, color: bool, width: int = 100) -> str:
    """The per-question table printed at the end of every run."""
    rows: list[Row] = []
    for r in results:
        style = "green" if r.failed == 0 and r.ran else ("red" if r.failed else "yellow")
        tests = f"{r.passed} / {r.ran}" + (f" ({r.skipped} skipped)" if r.skipped else "")
        points = (_points(r.score) + " / " + _points(r.question.points) if r.graded
                  else "not run" if r.question.points else "ungraded")
        rows.append(([r.question.id, r.question.title, points, tests], style if color else None))
    earned = sum(r.score for r in results)
    possible = sum(r.question.points for r in results if r.graded)
    rows.append((["Total", "", f"{_points(earned)} / {_points(possible)}", ""], None))
    columns = [("Question", "left"), ("Title", "left"), ("Points", "right"), ("Tests passed", "right")]
    return to_text(table(title, columns, rows), color, width)


def results_table(data: dict[str, Any], title: str) -> Table:
    """The per-question table of a results.json (what `pset3 check` shows a student)."""
    rows: list[Row] = [([t["number"], t["name"].split(" ", 1)[1], f"{t['score']:g} / {t['max_score']:g}"],
                        "green" if t["status"] == "passed" else "red") for t in data["tests"]]
    rows.append((["Total", "", f"{data['score']:g} / {data['max_score']:g}"], None))
    return table(title, [("Question", "left"), ("Title", "left"), ("Points", "right")], rows)


def gradebook_table(header: list[str], rows: list[list[str]], title: str) -> Table:
    """gradebook.csv turned on its side: one row per question, one column per submission."""
    columns = [("question", "left"), *((row[0], "right") for row in rows)]
    body: list[Row] = [([question, *(f"{float(row[i]):g}" for row in rows)], None)
                       for i, question in enumerate(header[1:], start=1)]
    return table(title, columns, body)


def fenced(text: str) -> str:
    """`text` as a Markdown code block, its fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def _question_output(r: QuestionResult) -> str:
    """Markdown (results.json says `output_format: md`): each failure's message as a code block."""
    lines = [f"{r.passed} of {r.ran} tests passed" + (f", {r.skipped} skipped" if r.skipped else "")]
    for name, message in r.failures:
        text = message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."
        lines.append(f"\n**FAILED** `{name}`\n\n{fenced(text)}")
    return "\n".join(lines)


def versions() -> dict[str, str]:
    """The versions a grade depends on, for results.json's `extra_data` (read from metadata: no imports)."""
    found = {"python": platform.python_version()}
    for package in ("pset3-spec", "torch", "torchvision", "pytorch-lightning", "lightning"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def results_json(tests: list[dict[str, Any]], execution_time: float, output: str,
                 seed: int | None = None, skipped: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Gradescope's results.json around its per-question `tests` (output in Markdown, pytest's
    own stdout hidden from students). `skipped`: per question, why each skipped test was not run."""
    return {
        "score": round(sum(t["score"] for t in tests), 4),
        "max_score": sum(t["max_score"] for t in tests),
        "execution_time": round(execution_time, 2),
        "output": fenced(output) if output else "",
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"versions": versions(), **({} if seed is None else {"seed": seed}),
                       **({"skipped": skipped} if skipped else {})},
        "tests": tests,
    }


def _entry(question: Question, score: float, passed: bool, output: str) -> dict[str, Any]:
    """One question's entry in results.json's `tests`."""
    return {"number": question.id, "name": f"{question.id} {question.title}", "score": round(score, 4),
            "max_score": question.points, "status": "passed" if passed else "failed",
            "visibility": question.visibility, "output": output}


def gradescope(results: list[QuestionResult], execution_time: float, output: str = "",
               seed: int | None = None) -> dict[str, Any]:
    """Gradescope's results.json: one entry per graded question (0-point questions, and questions
    whose tests were all skipped, are not graded)."""
    tests = [_entry(r.question, r.score, r.failed == 0 and r.ran > 0, _question_output(r)) for r in results if r.graded]
    skipped = {r.question.id: [why for _, why in r.skips] for r in results if r.skips and r.question.points}
    return results_json(tests, execution_time, output, seed, skipped)


def fail_closed(rubric: Rubric, reason: str) -> dict[str, Any]:
    """A zero for every graded question, each saying why: what a submission gets when it could not be
    graded at all."""
    tests = [_entry(q, 0, False, f"not graded: {reason}") for q in rubric.questions.values() if q.points > 0]
    return results_json(tests, 0, f"This submission could not be graded: {reason}")


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
