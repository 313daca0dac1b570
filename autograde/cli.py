"""The `pset3` command line.

    pset3 report [--impl PATH] [--results-json PATH] [PYTEST ARGS...]   the spec, a per-question table
    pset3 mutants [--jobs N] [NAME...]                                  the mutant kill matrix
"""

from __future__ import annotations

import argparse
import sys

from autograde import matrix
from autograde.loading import REFERENCE


def _report(args: argparse.Namespace, rest: list[str]) -> int:
    import pytest

    if not matrix.SPEC_DIR.is_dir():
        print(f"pset3: the spec is not here ({matrix.SPEC_DIR}); run pset3 from a checkout of pset3-spec",
              file=sys.stderr)
        return 2
    argv = [str(matrix.SPEC_DIR), "-q", "-p", "no:cacheprovider", "--rootdir", str(matrix.REPO),
            "--impl", args.impl, *(["--results-json", args.results_json] if args.results_json else []), *rest]
    return int(pytest.main(argv))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pset3", description="pset3-spec: conformance suite and autograder")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="run the spec on one implementation and print the per-question table",
                                 description="Extra arguments go to pytest (e.g. -m part2, -x, -k mlp).")
    report.add_argument("--impl", default=REFERENCE, help="'reference' (default), a .py file or a folder of .py files")
    report.add_argument("--results-json", help="also write Gradescope's results.json here")
    mutants = commands.add_parser("mutants", help="run the mutant kill matrix")
    mutants.add_argument("names", nargs="*")
    mutants.add_argument("--jobs", type=int, default=2)
    args, rest = parser.parse_known_args(argv)
    if args.command == "report":
        return _report(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return matrix.main([*args.names, "--jobs", str(args.jobs)])


if __name__ == "__main__":
    sys.exit(main())
