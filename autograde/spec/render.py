"""Every view of a grade, rendered in one place: the per-question table, the failures, the load report.

The same Markdown (`failures`, `feedback`) becomes `feedback.md` as it is, and the terminal's text
through rich's Markdown renderer (`print_report`), so `pset3 check`, the end of a spec run and a
student's feedback file never disagree, and a terminal shows rendered text, never Markdown source.
"""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from autograde.spec.results import QuestionResult, Results

LOAD_HEADING = "Loading the submission"
NOT_CHECKED = "Not checked here (counted neither passed nor failed)"

Row = tuple[list[str], str | None]  # a table row's cells and its rich style
QUESTION_COLUMNS = [("Question", "left"), ("Title", "left"), ("Points", "right"), ("Tests passed", "right")]


def points(x: float) -> str:
    """A score as people write it: 1.5, 21.71, 26."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def table(title: str, columns: list[tuple[str, str]], rows: list[Row]) -> Table:
    """Every table the grader prints: `columns` are (header, justify) pairs; a "Total" row is bold."""
    out = Table(title=title or None, title_justify="left")
    for header, justify in columns:
        out.add_column(header, justify=justify)
    for cells, style in rows:
        out.add_row(*cells, style=("bold " + (style or "")).strip() if cells[0].lower() == "total" else style)
    return out


def to_text(rendered: Table | Markdown, color: bool, width: int = 100) -> str:
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=color, no_color=not color, width=width).print(rendered)
    return buffer.getvalue()


def _tests(counts: tuple[int, int, int] | None) -> str:
    if counts is None:
        return ""
    passed, ran, skipped = counts
    return f"{passed} / {ran}" + (f" ({skipped} skipped)" if skipped else "")


def run_table(tally: list[QuestionResult], title: str) -> Table:
    """The table at the end of a spec run: every question the run collected, graded or not."""
    rows: list[Row] = []
    for r in tally:
        style = "green" if r.failed == 0 and r.ran else ("red" if r.failed else "yellow")
        shown = (points(r.score) + " / " + points(r.question.points) if r.graded
                 else "not run" if r.question.points else "ungraded")
        rows.append(([r.question.id, r.question.title, shown, _tests((r.passed, r.ran, r.skipped))], style))
    earned = sum(r.score for r in tally)
    possible = sum(r.question.points for r in tally if r.graded)
    rows.append((["Total", "", f"{points(earned)} / {points(possible)}", ""], None))
    return table(title, QUESTION_COLUMNS, rows)


def results_table(results: Results, title: str) -> Table:
    """One submission's graded questions (what `pset3 check` shows a student)."""
    rows: list[Row] = [([q.id, q.title, f"{points(q.score)} / {points(q.max_score)}", _tests(q.tests)],
                        "green" if q.passed else "red") for q in results.questions]
    rows.append((["Total", "", f"{points(results.score)} / {points(results.max_score)}", ""], None))
    return table(title, QUESTION_COLUMNS, rows)


def gradebook_table(rows: list[tuple[str, Results]], questions: list[str], title: str) -> Table:
    """A batch turned on its side: one row per question, one column per submission."""
    columns = [("question", "left"), *((name, "right") for name, _ in rows)]
    scores = [results.scores() for _, results in rows]
    body: list[Row] = [([q, *(points(s.get(q, 0)) for s in scores)], None) for q in questions]
    body.append((["total", *(points(results.score) for _, results in rows)], None))
    return table(title, columns, body)


def failures(results: Results) -> str:
    """Markdown: each question that lost points, under its own heading, with its failed tests."""
    return "\n\n".join(f"## {q.id} {q.title}\n\n{q.output}" for q in results.questions if not q.passed)


def not_checked(results: Results) -> str:
    """Markdown: what was skipped here and why (the kit, the CPU tier), counted neither way."""
    lines = [f"- {question}: {count} check{'s' if count > 1 else ''}: {why}"
             for question, reasons in results.skipped.items() for why, count in Counter(reasons).items()]
    return f"## {NOT_CHECKED}\n\n" + "\n".join(lines) if lines else ""


def load_report(results: Results) -> str:
    return f"## {LOAD_HEADING}\n\n{results.output}" if results.output else ""


def feedback(name: str, results: Results) -> str:
    """feedback.md: the score table, then the load report (what loading skipped, or why the submission
    could not be graded) under its own heading, since it explains many failures at once and a student
    reads the top of the file; then each question that lost points."""
    lines = [f"# {name}: {results.score:g} / {results.max_score:g}", "", "| question | points |", "|---|---|"]
    lines += [f"| {q.id} {q.title} | {q.score:g} / {q.max_score:g} |" for q in results.questions]
    parts = ["\n".join(lines), load_report(results), failures(results)]
    return "\n\n".join(filter(None, parts)) + "\n"


def print_report(console: Console, results: Results, title: str) -> None:
    """What a student reads in the terminal: the table, then the failures, what was not checked and the
    load report, rendered from the same Markdown as feedback.md."""
    console.print(results_table(results, title))
    text = "\n\n".join(filter(None, [failures(results), not_checked(results), load_report(results)]))
    if text:
        console.print(Markdown(text, code_theme="ansi_dark"))
