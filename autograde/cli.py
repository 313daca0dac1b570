"""The `pset3` command line.

    pset3 report [--impl PATH] [--results-json PATH] [PYTEST ARGS...]   the spec, a per-question table
    pset3 mutants [--jobs N] [NAME...]                                  the mutant kill matrix
    pset3 train {vit,cnn} (--data-root DIR | --synthetic) [--epochs N] [--device D] [--out DIR] [--small]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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


def _train(args: argparse.Namespace) -> int:
    from autograde.training import TrainingError, run

    out = Path(args.out or f"runs/{args.model}")
    try:
        summary = run(args.model, out, args.epochs, args.device, None if args.synthetic else Path(args.data_root),
                      args.small, args.limit_batches)
    except TrainingError as exc:
        print(f"pset3 train: {exc}", file=sys.stderr)
        return 2
    last = summary["history"][-1] if summary["history"] else {}
    print(f"last epoch: {', '.join(f'{k} {v:.4g}' for k, v in last.items())}")
    print(f"checkpoints: {', '.join(summary['checkpoints'])}\nhistory: {summary['csv']}\nplot: {summary['plot']}")
    return 0


def _add_train(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser("train", help="train a reference model for real (checkpoint, CSV, plot)")
    train.add_argument("model", choices=["vit", "cnn"], help="vit: Part 1's ViT with Lightning; cnn: Part 3's CNN")
    data = train.add_mutually_exclusive_group(required=True)
    data.add_argument("--data-root", help="folder holding cifar-10-batches-py (the unpacked CIFAR-10 archive)")
    data.add_argument("--synthetic", action="store_true", help="write and use a synthetic CIFAR-10 under --out")
    train.add_argument("--epochs", type=int, default=None, help="default: 180 for vit (the tutorial's), 2 for cnn")
    train.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    train.add_argument("--out", help="output folder (default: runs/MODEL)")
    train.add_argument("--small", action="store_true", help="vit only: a small configuration that trains on a CPU")
    train.add_argument("--limit-batches", type=int, metavar="N",
                       help="at most N training batches per epoch (and N evaluation batches): a quick check of the "
                            "pipeline, not a real run")


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
    _add_train(commands)
    args, rest = parser.parse_known_args(argv)
    if args.command == "report":
        return _report(args, rest)
    if args.command == "train":
        if rest:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        if args.epochs is None:
            args.epochs = 180 if args.model == "vit" else 2
        if args.epochs < 1:
            parser.error("--epochs must be at least 1")
        if args.limit_batches is not None and args.limit_batches < 1:
            parser.error("--limit-batches must be at least 1")
        return _train(args)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return matrix.main([*args.names, "--jobs", str(args.jobs)])


if __name__ == "__main__":
    sys.exit(main())
