"""The class report of a batch: `report.html` (one self-contained page), `clusters.json` and `summary.md`.

Built from the batch's `Results`, in memory at the end of `pset3 grade`, or read from any folder of
results.json files by `pset3 summarize` (a `pset3 grade` output, a Gradescope export). The page needs
nothing but itself: its charts are inline SVG, its style inline, it has no script and fetches nothing.
"""

from __future__ import annotations

import json
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from autograde.batch.classreport.charts import QuestionSpread, question_bars, score_bins, score_histogram
from autograde.batch.classreport.clusters import Cluster, failure_clusters, problem_clusters
from autograde.spec.render import points
from autograde.spec.results import Results, question_order, write_atomically

BATCH_FILE = "batch.json"  # what only the grade knew: the batch's wall time (pset3 summarize reads it back)
OUTPUTS = ("report.html", "clusters.json", "summary.md")
SLOWEST = 10


@dataclass(frozen=True)
class Entry:
    """One submission of the batch: its name, its results, and its feedback.md relative to the report."""

    name: str
    results: Results
    feedback: str | None = None


@dataclass(frozen=True)
class ClassReport:
    entries: list[Entry]
    wall_seconds: float | None = None
    questions: list[QuestionSpread] = field(default_factory=list)
    failures: list[Cluster] = field(default_factory=list)
    problems: list[Cluster] = field(default_factory=list)

    @classmethod
    def of(cls, entries: list[Entry], wall_seconds: float | None = None) -> ClassReport:
        entries = sorted(entries, key=lambda e: e.name)
        batch = [(e.name, e.results) for e in entries]
        return cls(entries, wall_seconds, _spread(entries), failure_clusters(batch), problem_clusters(batch))

    @property
    def max_score(self) -> float:
        return max((e.results.max_score for e in self.entries), default=0.0)

    @property
    def totals(self) -> list[float]:
        return [e.results.score for e in self.entries]

    def slowest(self) -> list[Entry]:
        return sorted(self.entries, key=lambda e: -e.results.execution_time)[:SLOWEST]

    def clusters_by_question(self) -> list[tuple[QuestionSpread, list[Cluster]]]:
        return [(q, [c for c in self.failures if c.question == q.id]) for q in self.questions]

    def as_data(self) -> list[dict[str, object]]:
        """clusters.json: every failure cluster, then the problems across the batch (`question` null)."""
        return [c.as_data() for c in (*self.failures, *self.problems)]

    def write(self, out: Path) -> list[Path]:
        """report.html, clusters.json and summary.md under `out`, each written atomically."""
        env = _environment()
        bins = score_bins(self.totals, self.max_score)
        context = {"report": self, "median": statistics.median(self.totals) if self.entries else 0.0,
                   "mean": statistics.fmean(self.totals) if self.entries else 0.0, "bins": bins,
                   "links": {e.name: e.feedback for e in self.entries}}
        html = env.get_template("report.html.j2").render(
            **context, histogram=score_histogram(bins, self.max_score),
            bars=question_bars(self.questions) if self.questions else "")
        paths = [out / name for name in OUTPUTS]
        write_atomically(paths[0], html)
        write_atomically(paths[1], json.dumps(self.as_data(), indent=2))
        write_atomically(paths[2], env.get_template("summary.md.j2").render(**context))
        return paths


def _spread(entries: list[Entry]) -> list[QuestionSpread]:
    seen: dict[str, list] = {}
    for entry in entries:
        for q in entry.results.questions:
            seen.setdefault(q.id, [q.title, q.max_score, []])[2].append(q.score)
    spread = []
    for qid in sorted(seen, key=question_order):
        title, points, scores = seen[qid]
        full = sum(s >= points for s in scores)
        zero = sum(s <= 0 for s in scores)
        spread.append(QuestionSpread(qid, title, points, statistics.fmean(scores), full, len(scores) - full - zero,
                                     zero))
    return spread


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("autograde.batch.classreport", "templates"),
                      autoescape=select_autoescape(["html", "html.j2"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["points"] = points
    env.filters["anchor"] = lambda text: "".join(c if c.isalnum() else "-" for c in str(text)).strip("-").lower()
    env.filters["md"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    return env


# -- reading a folder of results.json files ------------------------------------------------------

def read_folder(folder: Path, report_dir: Path) -> list[Entry]:
    """Every results.json under `folder` (a file named otherwise is read too, if it is results), each
    named by its folder (or, for another name, by the file's own), with its feedback.md beside it."""
    entries = []
    for path in sorted(folder.rglob("*.json")):
        if path.name in ("clusters.json", BATCH_FILE) or not path.is_file():
            continue
        results = Results.read(path)
        if results is None:
            continue
        name = path.parent.relative_to(folder).as_posix() if path.name == "results.json" else path.stem
        feedback = path.parent / "feedback.md"
        link = quote(Path(os.path.relpath(feedback, report_dir)).as_posix()) if feedback.is_file() else None
        entries.append(Entry(name if name != "." else folder.name, results, link))
    return entries


def read_wall_seconds(folder: Path) -> float | None:
    try:
        return float(json.loads((folder / BATCH_FILE).read_text())["wall_seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_wall_seconds(out: Path, seconds: float) -> None:
    write_atomically(out / BATCH_FILE, json.dumps({"wall_seconds": round(seconds, 2)}))


def summarize(folder: Path, out: Path | None = None) -> ClassReport:
    """`pset3 summarize FOLDER [--out DIR]`: the class report of every results.json under FOLDER."""
    out = out or folder
    report = ClassReport.of(read_folder(folder, out), read_wall_seconds(folder))
    report.write(out)
    return report
