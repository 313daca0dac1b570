"""The `pset3` command line.

    pset3 report [--impl PATH] [--results-json PATH] [PYTEST ARGS...]   the spec, a per-question table
    pset3 mutants [--jobs N] [--cuda] [--seed N] [NAME...]              the mutant kill matrix
    pset3 train {vit,cnn} (--data-root DIR | --synthetic) [--epochs N] [--device D] [--out DIR] [--small]
    pset3 check SUBMISSION [--watch] [--data-root DIR] [-m part2] [--seed N] [--results-json PATH]   a student's check
    pset3 kit --out DIR [--rubric PATH]                     the student kit: no reference, its recorded answers
    pset3 template DIR                                      a skeleton submission with every contract name
    pset3 grade SUBMISSIONS_DIR --out DIR [--workers N] [--force] [--cold] [--data-root DIR] [--seed N] [--ray [ADDR]]
    pset3 gradescope --out autograder.zip [--wheel PATH] [--rubric PATH]   Gradescope's autograder bundle
    pset3 map SUBMISSIONS_DIR [...] [--write] [--load-timeout S]   proposed pset3.toml lines for missing names
    pset3 summarize FOLDER [--out DIR]                      the class report: report.html, clusters.json, summary.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from autograde.batch.specrun import spec_args
from autograde.common.layout import IS_KIT
from autograde.spec import seeding
from autograde.spec.recording import RECORDED_SEED
from autograde.worker.loading import REFERENCE

if TYPE_CHECKING:
    from rich.console import Console

    from autograde.batch.classreport.page import ClassReport
    from autograde.batch.grade import Runner
    from autograde.spec.results import Results


def _report(args: argparse.Namespace, rest: list[str]) -> int:
    import pytest

    argv = spec_args(args.impl, "-q", *(["--results-json", args.results_json] if args.results_json else []), *rest)
    return int(pytest.main(argv))


class _Results:
    """Catches the run's results from the plugin's hook: `pset3 check` reads no file back."""

    results: Results | None = None

    def pytest_pset3_results(self, config: object, results: Results) -> None:
        self.results = results


def _check(args: argparse.Namespace) -> int:
    """The spec on one submission in the sandbox; pytest's own output is hidden, ours is brief."""
    import contextlib
    import io

    import pytest
    from rich.console import Console

    from autograde.spec.render import print_report

    if not Path(args.submission).exists():
        print(f"pset3 check: no such file or folder: {args.submission}", file=sys.stderr)
        return 2
    if IS_KIT and args.seed != str(RECORDED_SEED):
        print(f"pset3 check: the kit checks under the public seed {RECORDED_SEED} only, not --seed {args.seed} (its "
              f"answers are the reference's, recorded under that seed); your course grades under its own seeds",
              file=sys.stderr)
        return 2
    if args.watch:
        from autograde.commands.watch import watch

        return watch(Path(args.submission).resolve(), _check_argv(args))
    argv = spec_args(args.submission, "-q", *(["--results-json", args.results_json] if args.results_json else []),
                     *(["--data-root", args.data_root] if args.data_root else []),
                     "--seed", args.seed, *(["-m", args.m] if args.m else []))
    caught = _Results()
    with contextlib.redirect_stdout(io.StringIO()) as noise:
        code = pytest.main(argv, plugins=[caught])
    results = caught.results
    if results is None:
        print(noise.getvalue()[-3000:], file=sys.stderr)
        return int(code) or 2
    how = ("compared with the reference's answers recorded for it" if IS_KIT
           else f"--seed {results.seed} grades it again the same way")
    print_report(Console(), results, f"pset3 check {args.submission} (seed {results.seed}: {how})")
    return 0 if results.score == results.max_score else 1


def _check_argv(args: argparse.Namespace) -> list[str]:
    """`pset3 check`'s arguments for one check of `--watch`, every path absolute (it runs in a folder of its own)."""
    def absolute(path: str | None) -> str | None:
        return str(Path(path).resolve()) if path else None

    options = {"--data-root": absolute(args.data_root), "-m": args.m, "--seed": args.seed,
               "--results-json": absolute(args.results_json)}
    return [absolute(args.submission), *(x for flag, value in options.items() if value for x in (flag, value))]


LOCAL_RAY = "local"  # `--ray` without an address


def _grade(args: argparse.Namespace, rest: list[str]) -> int:
    """Extra arguments go to each submission's pytest run (e.g. --timeout 60)."""
    from rich.console import Console

    from autograde.batch.grade import Job, grade
    from autograde.spec.render import gradebook_table

    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"pset3 grade: {folder} is not a folder of submissions", file=sys.stderr)
        return 2
    try:
        runner = _runner(args)
        batch = grade(folder, Path(args.out), runner, Job(tuple(rest), args.seed,
                                                          Path(args.data_root) if args.data_root else None,
                                                          args.cold), args.force)
    except ImportError as exc:
        print(f"pset3 grade --ray: {exc} (install it with: pip install 'pset3-spec[ray]')", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"pset3 grade: {exc}", file=sys.stderr)
        return 2
    console = Console()
    console.print(gradebook_table(batch.rows, batch.questions, f"gradebook: {batch.gradebook}"))
    _print_largest(console, batch.report)
    return 0


def _print_largest(console: Console, report: ClassReport, most: int = 3) -> None:
    """The largest clusters of a batch, one line each, and where the class report is."""
    largest = sorted([*report.failures, *report.problems], key=lambda c: -c.count)[:most]
    if largest:
        console.rule("the largest clusters", style="red")
    for c in largest:
        tests = len(c.tests)
        where = f"{c.question} ({tests} test{'s' if tests != 1 else ''})" if c.question else c.test
        first = c.example.strip().splitlines()[0] if c.example.strip() else ""
        cut = first if len(first) <= 120 else first[:117] + "..."
        console.print(f"{c.count} submission{'s' if c.count != 1 else ''}, {where}: {cut}", markup=False,
                      highlight=False)


def _summarize(args: argparse.Namespace) -> int:
    from rich.console import Console

    from autograde.batch.classreport.page import OUTPUTS, summarize

    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"pset3 summarize: {folder} is not a folder (give pset3 grade's --out, or a folder of results.json "
              f"files)", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else folder
    out.mkdir(parents=True, exist_ok=True)
    report = summarize(folder, out)
    if not report.entries:
        print(f"pset3 summarize: no results.json under {folder}", file=sys.stderr)
        return 2
    console = Console()
    _print_largest(console, report)
    console.print(f"wrote {', '.join(str(out / name) for name in OUTPUTS)} ({len(report.entries)} submissions)")
    return 0


def _runner(args: argparse.Namespace) -> Runner:
    """Where the batch runs: on this machine, or on Ray (`--ray`); a ValueError says what is wrong."""
    if args.ray is None:
        from autograde.batch.local import LocalRunner

        return LocalRunner(args.workers)
    from autograde.batch.ray_runner import RayOptions, RayRunner

    if args.ray_cpus <= 0 or args.ray_gpus < 0 or args.ray_retries < 0:
        raise ValueError("--ray-cpus must be above 0, --ray-gpus and --ray-retries at least 0")
    return RayRunner(RayOptions(None if args.ray == LOCAL_RAY else args.ray, args.ray_cpus, args.ray_gpus,
                                args.ray_retries))


def _gradescope(args: argparse.Namespace) -> int:
    from autograde.batch.gradescope.bundle import CONTAINER, build
    from autograde.spec.rubric import DEFAULT_RUBRIC

    try:
        out = build(Path(args.out), Path(args.wheel) if args.wheel else None,
                    Path(args.rubric) if args.rubric else DEFAULT_RUBRIC)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"pset3 gradescope: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment, and give its "
          f"container {CONTAINER}")
    return 0


def _kit(args: argparse.Namespace) -> int:
    from autograde.commands.kit import build
    from autograde.spec.rubric import DEFAULT_RUBRIC

    try:
        wheel = build(Path(args.out), rubric=Path(args.rubric) if args.rubric else DEFAULT_RUBRIC)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"pset3 kit: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {wheel} and {wheel.parent / 'README.md'}: give students this folder (the spec, pset3 check and "
          f"pset3 template, and the reference's answers for seed 0; no reference code). Keep the pset3-spec wheel "
          f"and the Gradescope bundle for the staff.")
    return 0


# What the student kit cannot do, and why: these need the reference (autograde.commands.kit).
STAFF_COMMANDS = {
    "grade": "grading needs the live reference under random seeds",
    "gradescope": "the Gradescope autograder is built from the staff grader",
    "mutants": "the mutants are edits of the reference",
    "train": "it trains the reference models",
    "kit": "the kit is built from the staff grader",
    "report": "it runs the spec on the reference",
    "map": "it is the staff's review tool for batches of submissions",
    "summarize": "it is the staff's report of a graded batch",
}


def _refuse_in_kit(command: str) -> int:
    print(f"pset3 {command}: not in the student kit ({STAFF_COMMANDS[command]}); it comes with the course staff's "
          f"pset3-spec. Students check a submission with: pset3 check PATH", file=sys.stderr)
    return 2


MAP_HELP = """For each submission of each folder (one per entry, as pset3 grade takes them), the pset3.toml
lines that would map its missing contract names to its likeliest definitions, for the staff to review: printed,
and with --write saved as DIR/<submission>.pset3.toml.proposed (never as pset3.toml; pset3 grade skips these
files). Nothing is mapped for grading: a mapping counts once someone writes it in the submission's pset3.toml.
WARNING: each submission is loaded in a fresh interpreter of its own, NOT in the sandbox: its top-level
statements run with your permissions (each under a short budget). Run it only where running the submissions'
code is acceptable, as when you open their notebooks yourself."""


def _map(args: argparse.Namespace) -> int:
    from autograde.commands.propose import map_folders

    if args.load_timeout <= 0:
        print("pset3 map: --load-timeout must be above 0", file=sys.stderr)
        return 2
    for folder in args.folders:
        if not Path(folder).is_dir():
            print(f"pset3 map: {folder} is not a folder of submissions", file=sys.stderr)
            return 2
    map_folders([Path(f) for f in args.folders], args.write, args.load_timeout)
    return 0


def _train(args: argparse.Namespace) -> int:
    from autograde.commands.train import TrainingError, run

    out = Path(args.out or f"runs/{args.model}")
    epochs = args.epochs or (180 if args.model == "vit" else 2)
    try:
        summary = run(args.model, out, epochs, args.device, None if args.synthetic else Path(args.data_root),
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
    train.add_argument("--epochs", type=_at_least_one, default=None,
                       help="default: 180 for vit (the tutorial's), 2 for cnn")
    train.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    train.add_argument("--out", help="output folder (default: runs/MODEL)")
    train.add_argument("--small", action="store_true", help="vit only: a small configuration that trains on a CPU")
    train.add_argument("--limit-batches", type=_at_least_one, metavar="N",
                       help="at most N training batches per epoch (and N evaluation batches): a quick check of the "
                            "pipeline, not a real run")


def _at_least_one(text: str) -> int:
    """A count option's value (--epochs, --workers, ...): argparse names the option in its error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _add_seed(command: argparse.ArgumentParser) -> None:
    command.add_argument("--seed", type=seeding.option, default=seeding.RANDOM,
                         help="the grading seed (recorded in results.json as extra_data.seed; give it again to "
                              "reproduce a grade exactly); default: a fresh random one per submission")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pset3", description="pset3-spec: conformance suite and autograder")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="run the spec on one implementation and print the per-question table",
                                 description="Extra arguments go to pytest (e.g. -m part2, -x, -k mlp).")
    report.add_argument("--impl", default=REFERENCE, help="'reference' (default), a .py file or a folder of .py files")
    report.add_argument("--results-json", help="also write Gradescope's results.json here")
    mutants = commands.add_parser("mutants", help="run the mutant kill matrix")
    mutants.add_argument("names", nargs="*")
    mutants.add_argument("--jobs", type=_at_least_one, default=2)
    mutants.add_argument("--cuda", action="store_true", help="the device mutants, through the agreement spec on CUDA")
    mutants.add_argument("--seed", type=seeding.option, default="0",
                         help="the grading seed of every run (default 0, as in CI)")
    _add_train(commands)
    check = commands.add_parser("check", help="check a submission as the grader will (sandboxed), question by question")
    check.add_argument("submission", help="a .py file, a .ipynb notebook, or a folder of them")
    check.add_argument("--data-root", help="a real CIFAR-10 (default: a synthetic one)")
    check.add_argument("-m", help="only some questions, e.g. part2")
    check.add_argument("--results-json", help="also write the results (Gradescope's results.json format) here")
    check.add_argument("--watch", action="store_true",
                       help="check again whenever the submission's files change, until Ctrl-C: torch is imported "
                            "once, and each check runs in a fresh process of its own")
    if IS_KIT:
        check.add_argument("--seed", type=seeding.option, default=str(RECORDED_SEED),
                           help=f"the kit checks under the public seed {RECORDED_SEED} only")
    else:
        _add_seed(check)
    template = commands.add_parser("template", help="write a skeleton submission with every contract name")
    template.add_argument("folder")
    grade = commands.add_parser("grade", help="grade a folder of submissions: results.json, feedback, JUnit, CSV")
    grade.add_argument("folder", help="one submission per entry (a .py file, a notebook, or a folder)")
    grade.add_argument("--out", required=True, help="output folder (one subfolder per submission, gradebook.csv)")
    grade.add_argument("--workers", type=_at_least_one, default=2, help="submissions graded side by side (default 2)")
    grade.add_argument("--force", action="store_true", help="regrade submissions that already have results")
    grade.add_argument("--data-root", help="a real CIFAR-10 (default: a synthetic one, written once per batch)")
    grade.add_argument("--cold", action="store_true",
                       help="start each submission's spec run as a fresh interpreter (it imports torch itself) "
                            "instead of forking it from one warm process per batch; the same grades, slower")
    _add_seed(grade)
    grade.add_argument("--ray", nargs="?", const=LOCAL_RAY, metavar="ADDRESS",
                       help="one Ray task per submission: on the cluster at ADDRESS (e.g. auto, ray://HOST:10001), "
                            "or, with no ADDRESS, on a Ray instance started on this machine")
    grade.add_argument("--ray-cpus", type=float, default=1.0, help="--ray: CPUs per task (default 1)")
    grade.add_argument("--ray-gpus", type=float, default=0.0,
                       help="--ray: GPUs per task (default 0; give 1 with --tier gpu)")
    grade.add_argument("--ray-retries", type=int, default=3,
                       help="--ray: retries of a task whose worker process or node died (default 3)")
    summary = commands.add_parser("summarize", help="the class report of a graded batch: report.html, clusters.json, "
                                                    "summary.md")
    summary.add_argument("folder", help="pset3 grade's --out, or any folder of results.json files (a Gradescope "
                                        "export)")
    summary.add_argument("--out", help="where to write the report (default: the folder itself)")
    kit = commands.add_parser("kit", help="build the student kit: the spec and pset3 check with the reference's "
                                          "recorded answers, no reference code")
    kit.add_argument("--out", required=True, help="the folder to write the kit's wheel and README into")
    kit.add_argument("--rubric", help="the course's rubric TOML (its hidden questions are left out of the kit)")
    gradescope = commands.add_parser("gradescope", help="build the autograder zip for a Gradescope assignment")
    gradescope.add_argument("--out", required=True, help="the zip to write, e.g. autograder.zip")
    gradescope.add_argument("--wheel", help="a pset3-spec wheel to bundle (default: build one from this checkout)")
    gradescope.add_argument("--rubric", help="the course's rubric TOML: points, titles, visibilities (default: "
                                             "the bundled one)")
    mapper = commands.add_parser("map", help="staff: propose pset3.toml lines for each submission's missing "
                                             "contract names (loads submissions outside the sandbox)",
                                 description=MAP_HELP)
    mapper.add_argument("folders", nargs="+", metavar="SUBMISSIONS_DIR", help="a folder of submissions")
    mapper.add_argument("--write", action="store_true",
                        help="also write each proposal to SUBMISSIONS_DIR/<submission>.pset3.toml.proposed")
    mapper.add_argument("--load-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="each file's load budget (default 30; a statement gets at most 5 s)")
    return parser


def _template(args: argparse.Namespace) -> int:
    from autograde.commands.template import write

    try:
        print(f"wrote {write(Path(args.folder))}")
    except FileExistsError as exc:
        print(f"pset3 template: {exc}", file=sys.stderr)
        return 2
    return 0


def _mutants(args: argparse.Namespace) -> int:
    from autograde.commands import matrix

    return matrix.report(args.names, args.jobs, args.cuda, args.seed)


# Each command's handler. Those in PASSES_ON also get the arguments pset3 does not know, for pytest.
HANDLERS = {"report": _report, "mutants": _mutants, "train": _train, "check": _check, "template": _template,
            "grade": _grade, "kit": _kit, "gradescope": _gradescope, "map": _map, "summarize": _summarize}
PASSES_ON = frozenset({"report", "grade"})


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if IS_KIT and args.command in STAFF_COMMANDS and not (args.command == "report" and args.impl != REFERENCE):
        return _refuse_in_kit(args.command)
    if rest and args.command not in PASSES_ON:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    handler = HANDLERS[args.command]
    return handler(args, rest) if args.command in PASSES_ON else handler(args)


if __name__ == "__main__":
    sys.exit(main())
