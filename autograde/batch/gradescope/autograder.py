"""What run_autograder runs: grade /autograder/submission into /autograder/results/results.json.

A fail-closed result is written before anything else, so a grader that crashes or is killed
(out of memory, Gradescope's own timeout) still leaves a valid zero with the reason; the grade
replaces it atomically when the run ends. Grading stops at `--time-limit` (below Gradescope's
timeout): the spec run is interrupted and keeps what it had earned.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from autograde.batch.graded import grade_submission
from autograde.common import intake, synthetic_cifar
from autograde.common.tracebacks import describe
from autograde.spec import seeding
from autograde.spec.results import Results, fail_closed
from autograde.spec.rubric import DEFAULT_RUBRIC, load_rubric
from autograde.worker.isolation import hiding_warning

TIME_LIMIT = 540  # seconds; Gradescope's default timeout is 600


def submission_in(folder: Path) -> Path:
    """What the student uploaded: Gradescope puts the files (or a zip's contents) in `folder`; a zip of
    one folder becomes that folder."""
    entries = [p for p in folder.iterdir() if not intake.ignored(p.name)]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return submission_in(entries[0])
    return folder


def given_data_root(root: Path) -> Path | None:
    """A CIFAR-10 named by PSET3_DATA_ROOT, or the synthetic one setup.sh wrote; None: none yet."""
    if given := os.environ.get("PSET3_DATA_ROOT"):
        return Path(given)
    built = root / "pset3-data" / "cifar10"
    return built if synthetic_cifar.is_synthetic(built) else None


def grade(root: Path, rubric: Path, time_limit: float, extra: list[str], seed: str = seeding.RANDOM) -> Results:
    """The submission graded as `pset3 grade` grades each one (`graded.grade_submission`), its results
    written for Gradescope."""
    started = time.monotonic()
    path = root / "results" / "results.json"
    fail_closed(load_rubric(rubric), "the autograder did not finish (it crashed or was stopped); please tell the "
                                     "course staff").write(path)
    try:
        with tempfile.TemporaryDirectory(prefix="pset3-autograder-") as tmp:
            data_root = synthetic_cifar.data_root(given_data_root(root), Path(tmp))
            # Cold: one submission per container, so a warm grader would only add a process.
            results = grade_submission(submission_in(root / "submission"), data_root, os.cpu_count() or 1, extra,
                                       seed, time_limit, rubric, cold=True).results
    except Exception as exc:  # noqa: BLE001 - the grader's own failure still gives a result
        results = fail_closed(load_rubric(rubric), f"the autograder failed: {describe(exc)}")
    results = results.timed(time.monotonic() - started)
    results.write(path)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograde.batch.gradescope.autograder",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("PSET3_AUTOGRADER_ROOT", "/autograder")))
    parser.add_argument("--time-limit", type=float, default=float(os.environ.get("PSET3_TIME_LIMIT", TIME_LIMIT)),
                        help=f"seconds before grading stops and keeps what it earned (default {TIME_LIMIT})")
    parser.add_argument("--seed", default=os.environ.get("PSET3_SEED", seeding.RANDOM),
                        help="the grading seed (default: a fresh random one, recorded in results.json)")
    args, extra = parser.parse_known_args(argv)
    if warning := hiding_warning():  # in the autograder's output, which only the staff sees
        print(f"pset3: warning: {warning}; lockdown.py closed the answers to other users instead")
    bundled = args.root / "source" / "rubric.toml"
    data = grade(args.root, bundled if bundled.is_file() else DEFAULT_RUBRIC, args.time_limit, extra, args.seed)
    print(f"pset3: {data.score:g} / {data.max_score:g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
