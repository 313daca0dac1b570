"""`python -m autograde ARGS`: the `pset3` command line, where no `pset3` script is on PATH."""

from autograde.commands.cli import main

raise SystemExit(main())
