"""`pset3 grade SUBMISSIONS_DIR --out DIR`: grade a folder of submissions for Gradescope.

One pytest process per submission (the submission itself runs in that process's sandboxed
worker), `workers` side by side. Per submission, under OUT/NAME/: `junit.xml`, `feedback.md`, and
`results.json` last: a submission is done exactly when its results.json exists, and every file is
written atomically, so a killed run loses nothing already written and a rerun grades only what is
missing (`--force` regrades all). A submission that cannot be graded gets a fail-closed zero with
the reason. Then OUT/gradebook.csv: one row per submission, one column per question, the total.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from autograde import seeding, synthetic_cifar
from autograde.results import write_atomically, write_json_atomically
from autograde.rubric import load_rubric
from autograde.specrun import run_spec, threads_each


def submissions(folder: Path) -> list[Path]:
    """Each entry of the folder is one submission (a file or a folder), hidden ones excepted."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")))


def done(out: Path) -> bool:
    try:
        return "tests" in json.loads((out / "results.json").read_text())
    except (OSError, ValueError):
        return False


def feedback(name: str, results: dict[str, Any]) -> str:
    """feedback.md: the table, then each question that lost points with its (Markdown) output."""
    lines = [f"# {name}: {results['score']:g} / {results['max_score']:g}", ""]
    lines += ["| question | points |", "|---|---|"]
    lines += [f"| {t['name']} | {t['score']:g} / {t['max_score']:g} |" for t in results["tests"]]
    for t in results["tests"]:
        if t["status"] != "passed":
            lines += ["", f"## {t['name']}", "", t["output"]]
    if results.get("output"):
        lines += ["", "## Loading the submission", "", results["output"]]
    return "\n".join(lines) + "\n"


def grade_one(submission: Path, out: Path, data_root: Path, threads: int, extra: list[str],
              seed: str = seeding.RANDOM) -> dict[str, Any]:
    """Run the spec on one submission; always leaves a valid results.json behind."""
    out.mkdir(parents=True, exist_ok=True)
    data, junit = run_spec(submission, data_root, threads, extra, seed=seed)
    if junit is not None:
        write_atomically(out / "junit.xml", junit)
    write_atomically(out / "feedback.md", feedback(submission.name, data))
    write_json_atomically(out / "results.json", data)  # last: its presence means "done"
    return data


def write_gradebook(out: Path, names: list[str]) -> Path:
    questions = [q.id for q in load_rubric().questions.values() if q.points > 0]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["submission", *questions, "total"])
    for name in names:
        data = json.loads((out / name / "results.json").read_text())
        scores = {t["number"]: t["score"] for t in data["tests"]}
        writer.writerow([name, *(scores.get(q, 0) for q in questions), data["score"]])
    path = out / "gradebook.csv"
    write_atomically(path, buffer.getvalue())
    return path


def grade(folder: Path, out: Path, workers: int = 2, force: bool = False, data_root: Path | None = None,
          extra: list[str] = (), seed: str = seeding.RANDOM) -> Path:
    from rich.progress import Progress

    folder, out = folder.resolve(), out.resolve()  # each submission's pytest runs in a temporary folder
    data_root = data_root.resolve() if data_root else None
    entries = submissions(folder)
    names = [p.name for p in entries]
    if len(set(names)) != len(names):
        raise ValueError("two submissions share a name")
    todo = [p for p in entries if force or not done(out / p.name)]
    threads = threads_each(workers)
    with tempfile.TemporaryDirectory(prefix="pset3-data-") as tmp:
        root = data_root or synthetic_cifar.write(Path(tmp) / "cifar10")
        with Progress() as progress, ThreadPoolExecutor(max_workers=workers) as pool:
            task = progress.add_task(f"grading {len(todo)} of {len(entries)}", total=len(todo))
            jobs = [pool.submit(grade_one, p, out / p.name, root, threads, list(extra), seed) for p in todo]
            for job in jobs:
                job.result()
                progress.advance(task)
    return write_gradebook(out, names)
