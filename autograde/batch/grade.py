"""`pset3 grade SUBMISSIONS_DIR --out DIR`: grade a folder of submissions for Gradescope.

One pytest process per submission (the submission itself runs in that process's sandboxed
worker), `workers` side by side here, or one Ray task each on a cluster (`--ray`,
`autograde.batch.ray_runner`): either way the same run and the same outputs. Per submission, under
OUT/NAME/: `junit.xml`, `feedback.md`, and `results.json` last: a submission is done exactly when
its results.json exists, and every file is written atomically, so a killed run loses nothing
already written and a rerun grades only what is missing (`--force` regrades all). A submission
that cannot be graded gets a fail-closed zero with the reason. Then OUT/gradebook.csv: one row per
submission, one column per question, the total.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograde.batch.specrun import run_spec, threads_each
from autograde.common import synthetic_cifar
from autograde.spec import seeding
from autograde.spec.results import write_atomically, write_json_atomically
from autograde.spec.rubric import load_rubric
from autograde.worker.isolation import hiding_warning, is_sandbox_user

if TYPE_CHECKING:
    from autograde.batch.ray_runner import RayOptions


# `pset3 map --write`'s proposals, beside the submissions (autograde.commands.propose)
PROPOSED_SUFFIX = ".pset3.toml.proposed"


def submissions(folder: Path) -> list[Path]:
    """Each entry of the folder is one submission (a file or a folder), hidden ones and `pset3 map`'s
    proposals excepted."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")) and not
                  p.name.endswith(PROPOSED_SUFFIX))


def done(out: Path) -> bool:
    try:
        return "tests" in json.loads((out / "results.json").read_text())
    except (OSError, ValueError):
        return False


LOAD_HEADING = "Loading the submission"


def feedback(name: str, results: dict[str, Any]) -> str:
    """feedback.md: the table, then the load report (what loading the submission skipped, or why it
    could not be graded: results.json's top-level `output`) under its own heading, then each
    question that lost points with its (Markdown) output. The load report comes first because it
    explains many failures at once, and a student reads the top of the file."""
    lines = [f"# {name}: {results['score']:g} / {results['max_score']:g}", ""]
    lines += ["| question | points |", "|---|---|"]
    lines += [f"| {t['name']} | {t['score']:g} / {t['max_score']:g} |" for t in results["tests"]]
    if results.get("output"):
        lines += ["", f"## {LOAD_HEADING}", "", results["output"]]
    for t in results["tests"]:
        if t["status"] != "passed":
            lines += ["", f"## {t['name']}", "", t["output"]]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Graded:
    """One submission's outputs as data, however it was graded (here, or in a Ray task elsewhere)."""

    name: str
    results: dict[str, Any]
    junit: str | None

    @property
    def feedback(self) -> str:
        return feedback(self.name, self.results)


def grade_submission(submission: Path, data_root: Path, threads: int, extra: list[str],
                     seed: str = seeding.RANDOM) -> Graded:
    """The spec on one submission (`specrun.run_spec`): always a result, fail-closed if need be."""
    data, junit = run_spec(submission, data_root, threads, extra, seed=seed)
    return Graded(submission.name, data, junit)


def write_outputs(out: Path, graded: Graded) -> None:
    """A submission's files under `out`, each written atomically, results.json last: its presence
    means "done", so a run killed at any point leaves every submission graded or not, never half."""
    if graded.junit is not None:
        write_atomically(out / "junit.xml", graded.junit)
    write_atomically(out / "feedback.md", graded.feedback)
    write_json_atomically(out / "results.json", graded.results)


def grade_one(submission: Path, out: Path, data_root: Path, threads: int, extra: list[str],
              seed: str = seeding.RANDOM) -> dict[str, Any]:
    """Run the spec on one submission here; always leaves a valid results.json behind."""
    graded = grade_submission(submission, data_root, threads, extra, seed)
    write_outputs(out, graded)
    return graded.results


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


def prepare_out(out: Path) -> None:
    """OUT, made by the grader before any worker starts; refused where another user could write in it
    (every user, or the sandbox's): whoever can write there can replace a finished result."""
    out.mkdir(parents=True, exist_ok=True)
    info = out.stat()
    if info.st_mode & 0o002 or is_sandbox_user(info.st_uid):
        who = "every user" if info.st_mode & 0o002 else f"a sandbox user ({info.st_uid}), who owns it"
        raise ValueError(f"--out {out} can be written by {who}, so a result in it could be replaced: give a "
                         f"folder that only you can write (or remove it and let pset3 grade make it)")


def grade(folder: Path, out: Path, workers: int = 2, force: bool = False, data_root: Path | None = None,
          extra: list[str] = (), seed: str = seeding.RANDOM, ray: RayOptions | None = None) -> Path:
    """Grade every submission of `folder` that has no result under `out` (all, with `force`), here with
    `workers` side by side, or one Ray task each (`ray`); then write the gradebook."""
    from rich.progress import Progress

    folder, out = folder.resolve(), out.resolve()  # each submission's pytest runs in a temporary folder
    data_root = data_root.resolve() if data_root else None
    entries = submissions(folder)
    names = [p.name for p in entries]
    if len(set(names)) != len(names):
        raise ValueError("two submissions share a name")
    prepare_out(out)
    todo = [p for p in entries if force or not done(out / p.name)]
    if ray is None and (warning := hiding_warning()):  # once per batch; Ray's nodes are other machines
        print(f"pset3 grade: warning: {warning}", file=sys.stderr)
    with Progress() as progress:
        task = progress.add_task(f"grading {len(todo)} of {len(entries)}" + (" on Ray" if ray else ""), total=len(todo))
        advance = functools.partial(progress.advance, task)
        if ray is not None:
            from autograde.batch.ray_runner import grade_on_ray  # imports ray: only when asked for

            grade_on_ray(todo, out, ray, data_root, list(extra), seed, advance)
        else:
            _grade_here(todo, out, workers, data_root, list(extra), seed, advance)
    return write_gradebook(out, names)


def _grade_here(todo: list[Path], out: Path, workers: int, data_root: Path | None, extra: list[str], seed: str,
                advance: Callable[[], None]) -> None:
    """`workers` spec runs side by side on this machine, all reading one CIFAR-10."""
    threads = threads_each(workers)
    with tempfile.TemporaryDirectory(prefix="pset3-data-") as tmp:
        root = data_root or synthetic_cifar.write(Path(tmp) / "cifar10")
        with ThreadPoolExecutor(max_workers=workers) as pool:
            jobs = [pool.submit(grade_one, p, out / p.name, root, threads, extra, seed) for p in todo]
            for job in jobs:
                job.result()
                advance()
