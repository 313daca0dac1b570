"""Fixtures for testing the machinery: one batch of spec runs shared by every test that needs one."""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from autograde.batch import warm
from autograde.commands.matrix import CUDA_RUN, Outcome, run_matrix
from autograde.commands.mutants import read_catalog
from autograde.spec.recording import RECORDED_SEED

HERE = Path(__file__).resolve().parent
SUBMISSIONS = HERE / "submissions"
CORPUS = HERE / "corpus"  # real-style submissions and their grades (corpus/grades.toml)
REPO = HERE.parent
PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
LEFT_RUNNING = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def spec_runs(request: pytest.FixtureRequest) -> dict[str, Outcome]:
    """The whole spec run once on the reference, every mutant, every test submission and, when
    tests/test_corpus.py is collected (not in `tox -e gpu`), the corpus: two workers side by side.
    Keys: "reference", mutant names, submission file/folder names, and "corpus/NAME"."""
    # The sandboxed runs first: they are the slow ones (workers start, budgets run out).
    targets = {p.name: p for p in sorted(SUBMISSIONS.iterdir()) if not p.name.startswith((".", "_"))}
    if any(item.path.name == "test_corpus.py" for item in request.session.items):
        targets |= {f"corpus/{p.name}": p for p in corpus_entries()}
    targets["reference"] = Path("reference")
    targets |= {m.name: m.path for m in read_catalog()}
    with adopting_orphans() as left:
        runs = runs_by_name(targets)
    request.config.stash[LEFT_RUNNING] = left
    return runs


@pytest.fixture(scope="session")
def left_running(spec_runs: dict[str, Outcome], request: pytest.FixtureRequest) -> list[str]:
    """The command lines of the processes the spec runs left running when they had all finished."""
    return request.config.stash[LEFT_RUNNING]


@contextlib.contextmanager
def adopting_orphans() -> Iterator[list[str]]:
    """While the block runs, orphaned descendants of this process (a detached child a submission
    started) are re-parented to it rather than to init (Linux's PR_SET_CHILD_SUBREAPER). After it, the
    adopted ones that ended are reaped, and the command lines of those still running are listed."""
    libc = ctypes.CDLL(None, use_errno=True)
    before = {p.pid for p in psutil.Process().children()}
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    left: list[str] = []
    try:
        yield left
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess, ChildProcessError):
                if child.status() == psutil.STATUS_ZOMBIE and child.ppid() == os.getpid():
                    os.waitpid(child.pid, 0)  # ended: reap it
                elif child.pid not in before | warm.process_ids():  # a warm grader outlives its runs by design
                    left.append(" ".join(child.cmdline()))


@pytest.fixture(scope="session")
def cuda_spec_runs() -> dict[str, Outcome]:
    """The agreement spec on CUDA, run once on the reference and on every device mutant."""
    targets = {"reference": Path("reference")} | {m.name: m.path for m in read_catalog() if m.tier == "gpu"}
    return runs_by_name(targets, CUDA_RUN)


@pytest.fixture(scope="session")
def corpus() -> list[Path]:
    """The corpus submissions (tests/corpus, graded in tests/test_corpus.py)."""
    return corpus_entries()


def corpus_entries() -> list[Path]:
    """Each corpus submission: every entry of tests/corpus but its grades file."""
    return sorted(p for p in CORPUS.iterdir() if p.name != "grades.toml" and not p.name.startswith((".", "_")))


MATRIX_SEED = "1"  # the kill matrix runs under a seed other than the default 0 of `pytest spec_tests`
JOBS = int(os.environ.get("PSET3_MATRIX_JOBS", "2"))  # spec runs side by side


def runs_by_name(targets: dict[str, Path], pytest_args: tuple[str, ...] = (), seed: str = MATRIX_SEED
                 ) -> dict[str, Outcome]:
    """One spec run per target, two workers side by side, keyed by the targets' names, under
    MATRIX_SEED unless told: every mutant must be killed, and every grade kept, under a second seed too."""
    outcomes = run_matrix(list(targets.values()), jobs=JOBS, pytest_args=(*pytest_args, "--seed", seed))
    return {name: outcomes[path] for name, path in targets.items()}


@pytest.fixture(scope="session")
def recorded_answers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference's answers to the spec under the public seed, recorded once (what the kit ships)."""
    from autograde.commands.kit import record

    return record(tmp_path_factory.mktemp("recorded"))


@pytest.fixture(scope="session")
def replay_runs(recorded_answers: Path) -> dict[str, Outcome]:
    """Every mutant under the public seed, compared with the recorded answers instead of the live
    reference: what the student kit's checks would say of it."""
    targets = {m.name: m.path for m in read_catalog()}
    return runs_by_name(targets, ("--recorded-answers", str(recorded_answers)), seed=str(RECORDED_SEED))


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once from this checkout."""
    from autograde.batch.gradescope.bundle import build_wheel

    return build_wheel(tmp_path_factory.mktemp("wheel"))
