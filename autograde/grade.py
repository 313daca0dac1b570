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
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from autograde import synthetic_cifar
from autograde.isolation import die_with_parent
from autograde.matrix import REPO, SPEC_DIR
from autograde.results import write_json_atomically
from autograde.rubric import load_rubric

RUN_TIMEOUT = 1800  # one submission's whole spec run; the sandbox's per-call timeouts come first


def submissions(folder: Path) -> list[Path]:
    """Each entry of the folder is one submission (a file or a folder), hidden ones excepted."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")))


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def done(out: Path) -> bool:
    try:
        return "tests" in json.loads((out / "results.json").read_text())
    except (OSError, ValueError):
        return False


def fail_closed(reason: str) -> dict[str, Any]:
    rubric = load_rubric()
    tests = [{"number": q.id, "name": f"{q.id} {q.title}", "score": 0, "max_score": q.points, "status": "failed",
              "visibility": "visible", "output": f"not graded: {reason}"}
             for q in rubric.questions.values() if q.points > 0]
    return {"score": 0, "max_score": sum(t["max_score"] for t in tests), "execution_time": 0,
            "output": f"This submission could not be graded: {reason}", "visibility": "visible", "tests": tests}


def feedback(name: str, results: dict[str, Any]) -> str:
    lines = [f"# {name}: {results['score']:g} / {results['max_score']:g}", ""]
    lines += ["| question | points |", "|---|---|"]
    lines += [f"| {t['name']} | {t['score']:g} / {t['max_score']:g} |" for t in results["tests"]]
    for t in results["tests"]:
        if t["status"] != "passed":
            lines += ["", f"## {t['name']}", "", "```", t["output"], "```"]
    if results.get("output"):
        lines += ["", "## Loading the submission", "", "```", results["output"], "```"]
    return "\n".join(lines) + "\n"


def grade_one(submission: Path, out: Path, data_root: Path, threads: int, extra: list[str]) -> dict[str, Any]:
    """Run the spec on one submission; always leaves a valid results.json behind."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pset3-grade-") as tmp:
        results, junit = Path(tmp) / "results.json", Path(tmp) / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", str(SPEC_DIR), "-q", "-p", "no:cacheprovider", "--rootdir", str(REPO),
               "--impl", str(submission), "--data-root", str(data_root), "--results-json", str(results),
               "--junitxml", str(junit), *extra]
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        try:
            run = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                                 preexec_fn=die_with_parent)
            reason = f"the grader exited with {run.returncode}: {(run.stderr or run.stdout)[-1500:]}"
        except subprocess.TimeoutExpired:
            reason = f"grading took over {RUN_TIMEOUT} s"
        data = json.loads(results.read_text()) if results.exists() else fail_closed(reason)
        if junit.exists():
            _write_atomically(out / "junit.xml", junit.read_text())
    _write_atomically(out / "feedback.md", feedback(submission.name, data))
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
    _write_atomically(path, buffer.getvalue())
    return path


def grade(folder: Path, out: Path, workers: int = 2, force: bool = False, data_root: Path | None = None,
          extra: list[str] = ()) -> Path:
    from rich.progress import Progress

    folder, out = folder.resolve(), out.resolve()  # each submission's pytest runs in a temporary folder
    data_root = data_root.resolve() if data_root else None
    entries = submissions(folder)
    names = [p.name for p in entries]
    if len(set(names)) != len(names):
        raise ValueError("two submissions share a name")
    todo = [p for p in entries if force or not done(out / p.name)]
    threads = max(1, (os.cpu_count() or 1) // max(1, workers))
    with tempfile.TemporaryDirectory(prefix="pset3-data-") as tmp:
        root = data_root or synthetic_cifar.write(Path(tmp) / "cifar10")
        with Progress() as progress, ThreadPoolExecutor(max_workers=workers) as pool:
            task = progress.add_task(f"grading {len(todo)} of {len(entries)}", total=len(todo))
            jobs = [pool.submit(grade_one, p, out / p.name, root, threads, list(extra)) for p in todo]
            for job in jobs:
                job.result()
                progress.advance(task)
    return write_gradebook(out, names)
