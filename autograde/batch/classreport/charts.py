"""The class report's charts, drawn with matplotlib (Agg) as SVG text to embed in the page: no file, no
network. Each chart's numbers are also in a table beside it (`autograde.batch.classreport.page`)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionSpread:
    """How the batch did on one question."""

    id: str
    title: str
    points: float
    mean: float
    full: int
    partial: int
    zero: int


def _svg(figure: object) -> str:
    """The figure as an inline <svg> element (its XML prologue and fixed size dropped, so it scales)."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    return re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", text, count=1)


def _pyplot():  # noqa: ANN202 - matplotlib's module
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "pset3", "font.size": 10})  # the same batch draws the same SVG
    return plt


def score_histogram(totals: list[float], max_score: float) -> str:
    """The distribution of total scores."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.4, 3.2))
    bins = min(20, max(1, int(max_score))) if max_score > 0 else 1
    axes.hist(totals, bins=bins, range=(0, max_score or 1), color="#4c72b0", edgecolor="white")
    axes.set_xlabel(f"total score (of {max_score:g})")
    axes.set_ylabel("submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def question_bars(spread: list[QuestionSpread]) -> str:
    """Per question, how many submissions got full, partial and zero credit, stacked."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(max(6.4, 0.45 * len(spread) + 2), 3.4))
    ids = [q.id for q in spread]
    bottom = [0] * len(spread)
    for label, values, color in (("full", [q.full for q in spread], "#55a868"),
                                 ("partial", [q.partial for q in spread], "#dd8452"),
                                 ("zero", [q.zero for q in spread], "#c44e52")):
        axes.bar(ids, values, bottom=bottom, label=label, color=color)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_xlabel("question")
    axes.set_ylabel("submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, 1.15))
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)
