"""The class report's charts, drawn with matplotlib (Agg) as SVG text to embed in the page: no file, no
network. Each chart's numbers are also in a table beside it (`autograde.batch.classreport.page`)."""

from __future__ import annotations

import io
import math
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
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text[text.index("<svg"):], flags=re.S)  # a date, licences
    return re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", text, count=1)


def _pyplot():  # noqa: ANN202 - matplotlib's module
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "pset3", "font.size": 10})  # the same batch draws the same SVG
    return plt


@dataclass(frozen=True)
class ScoreBin:
    low: float
    high: float
    count: int
    last: bool = False  # the last bin holds its upper edge too (full marks)


def score_bins(totals: list[float], max_score: float) -> list[ScoreBin]:
    """The histogram's bins, with their counts: the chart and its table draw the same numbers."""
    import numpy as np

    top = max_score or 1.0
    width = next(w for w in (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, top) if math.ceil(top / w) <= 20)
    edges = np.arange(0, math.ceil(top / width) * width + width / 2, width)  # round edges: 0, 5, 10, ...
    counts, edges = np.histogram(totals, bins=edges)
    return [ScoreBin(float(edges[i]), float(edges[i + 1]), int(n), i == len(counts) - 1) for i, n in enumerate(counts)]


def score_histogram(bins: list[ScoreBin], max_score: float) -> str:
    """The distribution of total scores."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.4, 3.2))
    axes.bar([b.low for b in bins], [b.count for b in bins], width=[b.high - b.low for b in bins], align="edge",
             color="#4c72b0", edgecolor="white")
    axes.set_xlim(0, max_score or 1)
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
