"""Whether the warm grader grades exactly as the cold path: the corpus and the machinery's test
submissions (the hostile ones among them), each graded warm and `--cold` under one seed.

    python benchmarks/warm_cold_agreement.py [--seed 1] [--jobs 2] [NAME ...]

Runs the kill matrix's machinery (`matrix.run_matrix`) on every entry of tests/corpus and
tests/submissions (or those named), once forked from the warm grader and once as fresh interpreters,
and compares each one's per-question scores. Prints each difference, the counts and both wall times.
tests/test_warm.py does the same for the examples in CI; this takes about ten minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograde.commands.matrix import run_matrix  # noqa: E402
from tests.conftest import corpus_entries  # noqa: E402

SUBMISSIONS = REPO / "tests" / "submissions"


def per_question(outcome: object) -> dict[str, float] | str:
    results = outcome.results
    return {t["number"]: t["score"] for t in results["tests"]} if results else f"no results: {outcome.error[-300:]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these entries (file or folder names)")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    targets = [*corpus_entries(), *(p for p in sorted(SUBMISSIONS.iterdir()) if not p.name.startswith((".", "_")))]
    targets = [t for t in targets if not args.names or t.name in args.names]
    graded, walls = {}, {}
    for mode in ("warm", "cold"):
        started = time.perf_counter()
        graded[mode] = run_matrix(targets, args.jobs, ("--seed", args.seed), cold=mode == "cold")
        walls[mode] = time.perf_counter() - started
    differ = [t for t in targets if per_question(graded["warm"][t]) != per_question(graded["cold"][t])]
    for t in differ:
        warm, cold = per_question(graded["warm"][t]), per_question(graded["cold"][t])
        print(f"{t.parent.name}/{t.name}: warm {warm}\n    cold {cold}")
    print(f"{len(targets)} submissions ({len(corpus_entries())} of the corpus), --seed {args.seed}: "
          f"{len(targets) - len(differ)} graded the same per question, {len(differ)} differently; "
          f"warm {walls['warm']:.0f} s, cold {walls['cold']:.0f} s")


if __name__ == "__main__":
    main()
