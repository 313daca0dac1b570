"""One submission's grade, wherever it runs: `grade_submission` is the one per-submission function that
`pset3 grade`'s runners (here, or in a Ray task) and the Gradescope autograder all call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograde.batch.specrun import RUN_TIMEOUT, run_spec
from autograde.common.layout import DEFAULT_RUBRIC
from autograde.spec import seeding
from autograde.spec.render import feedback
from autograde.spec.results import Results, write_atomically


@dataclass(frozen=True)
class Graded:
    """One submission's outputs as data, however it was graded (here, or in a Ray task elsewhere)."""

    name: str
    results: Results
    junit: str | None

    @property
    def feedback(self) -> str:
        return feedback(self.name, self.results)


def grade_submission(submission: Path, data_root: Path, threads: int, extra: list[str] = (),
                     seed: str = seeding.RANDOM, time_limit: float = RUN_TIMEOUT,
                     rubric: Path = DEFAULT_RUBRIC, cold: bool = False) -> Graded:
    """The spec on one submission (`specrun.run_spec`): always a result, fail-closed if need be. It is
    forked from this process's warm grader (`autograde.batch.warm`), or with `cold` a fresh interpreter."""
    results, junit = run_spec(submission, data_root, threads, list(extra), time_limit, rubric, seed, cold)
    return Graded(submission.name, results, junit)


def write_outputs(out: Path, graded: Graded) -> None:
    """A submission's files under `out`, each written atomically, results.json last: its presence
    means "done", so a run killed at any point leaves every submission graded or not, never half."""
    if graded.junit is not None:
        write_atomically(out / "junit.xml", graded.junit)
    write_atomically(out / "feedback.md", graded.feedback)
    graded.results.write(out / "results.json")
