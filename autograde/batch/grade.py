"""`pset3 grade SUBMISSIONS_DIR --out DIR`: grade a folder of submissions for Gradescope.

One pytest process per submission (the submission itself runs in that process's sandboxed worker),
run by whichever `Runner` the caller chose: `autograde.batch.local` (side by side on this machine)
or `autograde.batch.ray_runner` (one Ray task each); this module knows none of them. Per
submission, under OUT/NAME/: `junit.xml`, `feedback.md`, and `results.json` last: a submission is
done exactly when its results.json exists, and every file is written atomically, so a killed run
loses nothing already written and a rerun grades only what is missing (`force` regrades all). A
submission that cannot be graded gets a fail-closed zero with the reason. Then OUT/gradebook.csv:
one row per submission, one column per question, the total; and the class report of the whole batch
(`autograde.batch.classreport`: OUT/report.html, OUT/clusters.json, OUT/summary.md).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from autograde.batch.classreport.page import ClassReport, Entry, write_wall_seconds
from autograde.batch.graded import Graded, write_outputs
from autograde.spec import seeding
from autograde.spec.results import Results, write_atomically
from autograde.spec.rubric import load_rubric

# `pset3 map --write`'s proposals, beside the submissions (autograde.commands.propose)
PROPOSED_SUFFIX = ".pset3.toml.proposed"


def submissions(folder: Path) -> list[Path]:
    """Each entry of the folder is one submission (a file or a folder), hidden ones and `pset3 map`'s
    proposals excepted."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")) and not
                  p.name.endswith(PROPOSED_SUFFIX))


def done(out: Path) -> Results | None:
    """A submission's results from an earlier run, which make it done; None where it has none."""
    return Results.read(out / "results.json")


@dataclass(frozen=True)
class Job:
    """What every submission of a batch is graded with."""

    extra: tuple[str, ...] = ()  # options for each submission's pytest run (e.g. --timeout 60)
    seed: str = seeding.RANDOM
    data_root: Path | None = None  # a real CIFAR-10; None: the runner's own synthetic one
    cold: bool = False  # each spec run a fresh interpreter, not forked from the warm grader (`--cold`)


class Runner(Protocol):
    """Where a batch runs. It grades each submission of `todo` with `grade_submission` (wherever that
    runs) and hands each `Graded` to `record`, in this process, as it arrives."""

    where: str  # for the progress line: "" (here) or " on Ray"

    def run(self, todo: list[Path], job: Job, record: Callable[[Graded], None]) -> None: ...


@dataclass(frozen=True)
class Batch:
    """What a batch wrote: the gradebook's path, its question columns, one row per submission, and the
    class report."""

    gradebook: Path
    questions: list[str]
    rows: list[tuple[str, Results]]
    report: ClassReport


def prepare_out(out: Path) -> None:
    """OUT, made by the grader before any worker starts; refused where another user could write in it
    (every user, or the sandbox's): whoever can write there can replace a finished result."""
    from autograde.worker.isolation import is_sandbox_user

    out.mkdir(parents=True, exist_ok=True)
    info = out.stat()
    if info.st_mode & 0o002 or is_sandbox_user(info.st_uid):
        who = "every user" if info.st_mode & 0o002 else f"a sandbox user ({info.st_uid}), who owns it"
        raise ValueError(f"--out {out} can be written by {who}, so a result in it could be replaced: give a "
                         f"folder that only you can write (or remove it and let pset3 grade make it)")


def grade(folder: Path, out: Path, runner: Runner, job: Job = Job(), force: bool = False) -> Batch:
    """Grade every submission of `folder` that has no result under `out` (all, with `force`) on `runner`;
    then write the gradebook. Each results.json is read at most once: an earlier run's, never one this
    run wrote."""
    from rich.progress import Progress

    folder, out = folder.resolve(), out.resolve()  # each submission's pytest runs in a temporary folder
    job = Job(tuple(job.extra), job.seed, job.data_root.resolve() if job.data_root else None, job.cold)
    entries = submissions(folder)
    names = [p.name for p in entries]
    if len(set(names)) != len(names):
        raise ValueError("two submissions share a name")
    prepare_out(out)
    finished = {} if force else {name: r for name in names if (r := done(out / name)) is not None}
    todo = [p for p in entries if p.name not in finished]
    started = time.monotonic()
    with Progress() as progress:
        task = progress.add_task(f"grading {len(todo)} of {len(entries)}{runner.where}", total=len(todo))

        def record(graded: Graded) -> None:
            write_outputs(out / graded.name, graded)
            finished[graded.name] = graded.results
            progress.advance(task)

        runner.run(todo, job, record)
    wall = time.monotonic() - started  # this run's: a rerun's grades only what was missing
    rows = [(name, finished[name]) for name in names]
    questions = [q.id for q in load_rubric().questions.values() if q.points > 0]
    gradebook = write_gradebook(out, questions, rows)
    write_wall_seconds(out, wall)
    report = ClassReport.of([Entry(name, results, quote(f"{name}/feedback.md")) for name, results in rows], wall)
    report.write(out)
    return Batch(gradebook, questions, rows, report)


def write_gradebook(out: Path, questions: list[str], rows: list[tuple[str, Results]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["submission", *questions, "total"])
    for name, results in rows:
        scores = results.scores()
        writer.writerow([name, *(scores.get(q, 0) for q in questions), results.score])
    path = out / "gradebook.csv"
    write_atomically(path, buffer.getvalue())
    return path
