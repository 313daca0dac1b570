"""No correct implementation may lose a point: one written independently of the reference, in other
styles (`import lightning as L`, `F.unfold` patches, einsum Gaussian connections, `random_split`, a
loop that restores the net's mode), earns every point under the matrix's seed and three random ones."""

import shutil
from pathlib import Path

from autograde.commands.matrix import run_matrix
from autograde.spec.rubric import load_rubric
from tests.conftest import SUBMISSIONS

INDEPENDENT = SUBMISSIONS / "independent_correct.py"


def assert_full_marks(run, what: str) -> None:
    assert not run.error, run.error
    lost = {t["number"]: t["output"][:1500] for t in run.results["tests"] if t["score"] < t["max_score"]}
    assert not lost, f"{what} lost points:\n{lost}"
    assert run.results["score"] == load_rubric().total()


def test_it_earns_every_point_under_the_matrix_seed(spec_runs):
    assert_full_marks(spec_runs[INDEPENDENT.name], f"{INDEPENDENT.name} under the matrix seed")


def test_it_earns_every_point_under_three_random_seeds(tmp_path: Path):
    copies = [shutil.copy(INDEPENDENT, tmp_path / f"independent_{i}.py") for i in range(3)]
    runs = run_matrix([Path(c) for c in copies], jobs=2, pytest_args=("--seed", "random"))
    seeds = [run.results["extra_data"]["seed"] if run.results else None for run in runs.values()]
    assert len(set(seeds)) == 3, f"three runs, three random seeds: {seeds}"
    for run, seed in zip(runs.values(), seeds, strict=True):
        assert_full_marks(run, f"{INDEPENDENT.name} under the random seed {seed}")
