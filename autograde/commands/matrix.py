"""The mutant kill matrix: run the whole spec against many implementations at once.

Each mutant in `mutants/mutants.toml` plants one mistake that belongs to one question; the spec
must fail that question and no other. A device mutant (`tier = "gpu"`) plants a mistake only CUDA
shows: the CPU tier must pass it, and on a CUDA machine (`--cuda`) the agreement spec must fail
its question. Mutants and the machinery's test submissions are our own trusted code, so they run
with the in-process backend; each run is forked from the warm grader (`autograde.batch.warm`: torch
imported once for the whole matrix), `jobs` side by side.

    python -m autograde.commands.matrix [--jobs 2] [--cuda] [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from autograde.batch.specrun import spec_args, start_run, threads_each
from autograde.commands.junit import read_cases
from autograde.commands.mutants import CATALOG, MUTANTS_DIR, read_catalog
from autograde.common import synthetic_cifar
from autograde.common.layout import PACKAGE_DIR
from autograde.spec.tiers import cuda_missing

OWN_SUBMISSIONS = PACKAGE_DIR / "tests" / "submissions"  # the machinery's test submissions (some import the reference)


# The run that proves device mutants: the agreement spec alone, on CUDA.
CUDA_RUN = ("--tier", "gpu", "-m", "gpu")


@dataclass(frozen=True)
class Outcome:
    """One spec run: pytest's exit code, its Gradescope results (None if it wrote none), its output,
    and each test's outcome ("passed", "failed" or "skipped") by test id."""

    exit_code: int | None
    results: dict | None
    log: str
    tests: dict[str, str] = field(default_factory=dict)

    @property
    def error(self) -> str:
        """Why the run did not grade, or "" when it did (exit 0: all passed, 1: some failed)."""
        if self.exit_code in (0, 1) and self.results is not None:
            return ""
        return f"pytest exited with {self.exit_code}:\n{self.log[-3000:]}"

    @property
    def failed(self) -> frozenset[str]:
        """The graded questions that did not get full marks."""
        tests = self.results["tests"] if self.results else []
        return frozenset(t["number"] for t in tests if t["status"] != "passed")


def run_matrix(paths: list[Path], jobs: int = 2, pytest_args: tuple[str, ...] = (), cold: bool = False,
               ) -> dict[Path, Outcome]:
    """Run the spec on each implementation, each run forked from the warm grader (`cold`: each a fresh
    interpreter), `jobs` side by side, all reading one synthetic CIFAR-10 written once for the batch
    (unless `pytest_args` names a --data-root). Runs start in the order given: put the slow ones (a
    sandboxed submission waiting out a budget) first."""
    with tempfile.TemporaryDirectory(prefix="pset3-matrix-") as tmp:
        out = Path(tmp)
        if not any(a.startswith("--data-root") for a in pytest_args):
            pytest_args = (*pytest_args, "--data-root", str(synthetic_cifar.data_root(None, out)))
        # Every run asks the reference the same questions: each is answered once for the whole matrix.
        pytest_args = (*pytest_args, "--share-reference-answers", str(out / "reference-answers"))
        jobs = max(1, min(jobs, len(paths)))
        tiers = {m.path.resolve(): m.run_tier for m in read_catalog()}

        def run(index: int, impl: Path) -> None:
            results, code_file, log, junit = _files(out, index)
            trusted = _trust(impl.resolve()) + ["--tier", tiers.get(impl.resolve(), "cpu")]
            argv = spec_args(impl, "--results-json", str(results), "--junitxml", str(junit), *trusted, *pytest_args)
            code_file.write_text(str(start_run(argv, PACKAGE_DIR, log, threads_each(jobs), cold).wait()))

        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(run, range(len(paths)), paths))
        return {p: _outcome(out, i) for i, p in enumerate(paths)}


def _files(out: Path, index: int) -> tuple[Path, Path, Path, Path]:
    """Results JSON, exit code, terminal output and JUnit XML of the `index`-th implementation."""
    return (out / f"{index}.results.json", out / f"{index}.exit", out / f"{index}.log",
            out / f"{index}.junit.xml")


def _test_outcomes(junit: Path) -> dict[str, str]:
    """`module::test[params]` -> "passed", "failed" (a failure or an error) or "skipped"."""
    if not junit.exists():
        return {}
    return {case.id: "failed" if case.outcome in ("failure", "error") else case.outcome for case in read_cases(junit)}


def _outcome(out: Path, index: int) -> Outcome:
    results, code, log, junit = _files(out, index)
    text = log.read_text() if log.exists() else ""
    return Outcome(
        int(code.read_text()) if code.exists() else None,
        json.loads(results.read_text()) if results.exists() else None,
        text,
        _test_outcomes(junit),
    )


def _trust(impl: Path) -> list[str]:
    """Our mutants are trusted and run in-process; our test submissions go through the sandbox and may
    import the reference, with short timeouts; anything else (the corpus) is graded as a student's is."""
    if impl.is_relative_to(MUTANTS_DIR):
        return ["--no-sandbox"]
    if impl.is_relative_to(OWN_SUBMISSIONS):
        return ["--allow-reference-imports", "--timeout", "30", "--start-timeout", "30", "--statement-timeout", "10"]
    return []


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m autograde.commands.matrix", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: the whole catalogue)")
    parser.add_argument("--jobs", type=int, default=2, help="spec runs side by side (default 2)")
    parser.add_argument("--cuda", action="store_true",
                        help="run the device mutants (tier = \"gpu\") through the agreement spec on CUDA")
    parser.add_argument("--seed", default="0", help="the grading seed of every spec run (default 0, as in CI)")
    args = parser.parse_args(argv)
    return report(args.names, args.jobs, args.cuda, args.seed)


def report(names: list[str], jobs: int = 2, cuda: bool = False, seed: str = "0") -> int:
    """Run the catalogue's mutants (`names`, or all) and print whether each fails as specified: `pset3
    mutants`. 0 when all do, 1 when one does not, 2 when the matrix cannot run here."""
    if not CATALOG.is_file():
        print(f"the mutants live only in a checkout of pset3-spec ({CATALOG} is missing)", file=sys.stderr)
        return 2
    if cuda and (reason := cuda_missing()):
        print(f"--cuda: {reason}", file=sys.stderr)
        return 2
    mutants = [m for m in read_catalog() if (not names or m.name in names) and (m.tier == "gpu" or not cuda)]
    pytest_args = (*(CUDA_RUN if cuda else ()), "--seed", seed)
    outcomes = run_matrix([m.path for m in mutants], jobs=jobs, pytest_args=pytest_args)
    ok = True
    for m in mutants:
        o = outcomes[m.path]
        as_specified = not o.error and o.failed == m.expected_failures(cuda)
        ok &= as_specified
        expected = sorted(m.expected_failures(cuda)) or "nothing"
        verdict = ("as specified" if as_specified
                   else f"NOT as specified (should fail {expected}): {o.error or sorted(o.failed)}")
        print(f"{m.name:40s} {m.question:5s} {m.tier:4s} {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
