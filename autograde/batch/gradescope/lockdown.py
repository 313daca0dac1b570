"""`python -m autograde.batch.gradescope.lockdown --root ROOT`: keep the answers from the sandboxed worker by
file permissions as well, for a container that gives it no namespaces.

Where the worker gets a root of its own (`autograde.worker.isolation`), nothing here is even visible to it.
A Gradescope container may not allow that (Docker without CAP_SYS_ADMIN): the worker then runs as
`nobody` on the container's own filesystem and reads whatever others may read. So `setup.sh` (after
installing) and `run_autograder` (before grading) close to others: the installed reference, spec and
rubric, ROOT/source (the staff wheel, the course's rubric) and ROOT/results; and keep open the way to
what the worker needs: ROOT itself (to pass through), the venv and the synthetic CIFAR-10. The spec
process runs as root and still reads everything. Closing a folder closes what it holds: nobody can
pass through it, so its contents keep their own modes.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from autograde.common.layout import ANSWERS

VENV, DATA = "pset3-venv", "pset3-data"  # as setup.sh makes them


def installed_sites(root: Path) -> list[Path]:
    """The folder this interpreter has `autograde` in, if it lies under `root` (the venv setup.sh made):
    run from any other Python (the tests'), the lockdown leaves that Python's files alone."""
    from autograde.common.layout import PACKAGE_DIR

    return [PACKAGE_DIR] if PACKAGE_DIR.resolve().is_relative_to(root.resolve()) else []


def lock_down(root: Path, sites: list[Path]) -> list[Path]:
    """Close the answers to others, open the worker's way to what it needs; return what was closed."""
    closed = [root / "source", root / "results", *(site / name for site in sites for name in ANSWERS)]
    closed = [p for p in closed if p.exists()]
    for path in closed:
        os.chmod(path, path.stat().st_mode & ~0o077)
    for path, mode in ((root, 0o001), (root / VENV, 0o005), (root / DATA, 0o005)):
        if path.exists():
            os.chmod(path, path.stat().st_mode | mode)
    return closed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograde.batch.gradescope.lockdown",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("PSET3_AUTOGRADER_ROOT", "/autograder")))
    parser.add_argument("--site", type=Path, action="append", default=None, metavar="DIR",
                        help="a folder with pset3-spec installed in it (default: this interpreter's, if under --root)")
    args = parser.parse_args(argv)
    closed = lock_down(args.root, args.site if args.site is not None else installed_sites(args.root))
    print(f"pset3 lockdown: closed to others: {', '.join(map(str, closed)) or 'nothing'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
