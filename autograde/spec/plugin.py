"""The pytest plugin: options, markers, the `impl`/`ref` fixtures, the rubric, and the reports.

Registered by the package's pytest11 entry point (and by `-p autograde.spec.plugin` where the package is
not installed: `autograde.batch.specrun`, `tox -e gpu`; failing both, by a checkout's root conftest.py).
Spec tests observe the implementation under test only through `impl` (and the reference through
`ref`); this module turns their outcomes into scores.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from functools import cached_property
from pathlib import Path

import numpy as np
import pytest

from autograde.common import synthetic_cifar
from autograde.common.errors import SubmissionImportError, SubmissionProblem
from autograde.common.layout import IS_KIT, RECORDED_ANSWERS, SPEC_DIR
from autograde.common.tracebacks import describe
from autograde.spec import seeding
from autograde.spec.observe import REFERENCE_ANSWERS, Impl, InProcessImpl
from autograde.spec.recording import RECORDED_SEED, RecordedImpl, Recorder
from autograde.spec.render import run_table, to_text
from autograde.spec.results import Gradebook, Results, graded
from autograde.spec.rubric import DEFAULT_RUBRIC, Rubric, load_rubric
from autograde.spec.sandbox import CALL_TIMEOUT, START_TIMEOUT, SandboxImpl
from autograde.spec.tiers import NOT_CPU_TIER, TIERS, cuda_missing
from autograde.worker.execution import DEFINITIONS_GRACE, LOAD_TIMEOUT, STATEMENT_TIMEOUT, Budget
from autograde.worker.loading import REFERENCE, is_reference_path, load, load_reference

MARKERS = (
    "question(id): the problem-set question a spec test belongs to, e.g. question('2.4')",
    "model_property(property, name): a property of a contract name's model tests; the rubric's "
    "[properties] table gives its question",
    "part1: a Part 1 question (added from the question id)",
    "part2: a Part 2 question (added from the question id)",
    "part3: a Part 3 question (added from the question id)",
    "gpu: needs CUDA (skipped with the reason where there is none); runs in --tier gpu or all",
    "benchmark: times code (the speed spec, benchmarks); runs in --tier gpu or all",
    "ray: starts a local Ray instance (tests/test_ray.py); left out by default, run by tox -e ray",
)
# Warnings of Lightning's own dependencies, nothing of ours or of a submission: every run, installed or not.
IGNORED_WARNINGS = (
    "ignore::DeprecationWarning:lightning_utilities.*",
    "ignore:.*treespec, LeafSpec",  # Lightning's use of a torch pytree API that torch deprecated
)


STATE = pytest.StashKey["GradingSession"]()
# The time limits a run can change: (option, default, what it limits).
SECONDS_OPTIONS = (
    ("--timeout", CALL_TIMEOUT, "sandbox: seconds one observation may take before the worker is killed"),
    ("--start-timeout", START_TIMEOUT, "sandbox: seconds the worker may take to start and load the submission"),
    ("--statement-timeout", STATEMENT_TIMEOUT, "seconds one top-level statement of the submission may run while it "
     "loads; one that runs longer is interrupted and skipped, and loading goes on"),
    ("--load-timeout", LOAD_TIMEOUT, f"seconds all top-level statements of one file may run; after that only "
     f"definitions (def, class, import) run, for {DEFINITIONS_GRACE:g} s more"),
)


class Hooks:
    """The hooks this plugin calls, for callers that run the spec in their own process."""

    @pytest.hookspec
    def pytest_pset3_results(self, config: pytest.Config, results: Results) -> None:
        """The run's results, as data, once its last test has run (`pset3 check` prints them)."""


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(Hooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograde", "pset3 autograder")
    group.addoption("--impl", default=REFERENCE, metavar="PATH",
                    help="implementation under test: 'reference' (default), a .py file or a folder of .py files")
    group.addoption("--results-json", default=None, metavar="PATH",
                    help="write this run's per-question results in Gradescope's results.json format")
    group.addoption("--rubric", default=str(DEFAULT_RUBRIC), metavar="PATH",
                    help="rubric TOML with points and titles per question (default: the bundled one)")
    group.addoption("--no-sandbox", action="store_true",
                    help="run the submission in this process (debugging only: its code runs with your rights)")
    group.addoption("--share-reference-answers", default=None, metavar="DIR",
                    help="keep the live reference's answers in DIR and reuse those that runs side by side put "
                         "there (trusted runs of many implementations, as the kill matrix's; never a grading run)")
    for flag, default, what in SECONDS_OPTIONS:
        group.addoption(flag, type=float, default=default, metavar="SECONDS", help=f"{what} (default {default:g})")
    group.addoption("--no-tamper-check", action="store_true",
                    help="sandbox: do not check the worker for replaced torch, builtins or probes (only to measure "
                         "what the check costs; never for grading)")
    group.addoption("--allow-reference-imports", action="store_true",
                    help="sandbox: let the submission import the reference (for the project's own mutants "
                         "and test submissions; never for grading students)")
    group.addoption("--tier", choices=sorted(TIERS), default="cpu",
                    help="which tests run: " + "; ".join(f"{k}: {v}" for k, v in TIERS.items()))
    group.addoption("--speed-ratio", type=float, default=5.0, metavar="X",
                    help="speed spec: fail when the implementation is more than X times slower than the "
                         "reference, side by side (default 5)")
    group.addoption("--seed", default=str(seeding.FIXED), metavar="N|random", type=seeding.option,
                    help=f"the grading seed every seed of the spec (weights, inputs) is derived from: an integer, "
                         f"or 'random' for a fresh one, recorded in results.json (default {seeding.FIXED}; pset3 "
                         f"grade and check draw a random one)")
    group.addoption("--record-answers", default=None, metavar="FILE",
                    help="record every answer the reference gives the spec under seed 0 into FILE (what `pset3 kit` "
                         "ships instead of the reference)")
    group.addoption("--recorded-answers", default=None if not IS_KIT else str(RECORDED_ANSWERS), metavar="FILE",
                    help="compare with the reference's answers recorded in FILE (seed 0) instead of the live "
                         "reference" + (" (default: the kit's own recording)" if IS_KIT else ""))
    group.addoption("--data-root", default=None, metavar="DIR",
                    help="a CIFAR-10 root (the folder holding cifar-10-batches-py); default: a synthetic "
                         "CIFAR-10 written once per session into a temporary folder")


def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """`pytest --impl PATH` with no test path runs the spec, wherever it is installed: a student needs
    no checkout, and the working folder's own tests are never collected by accident."""
    given = any(a == "--impl" or a.startswith("--impl=") for a in args)
    if given and not early_config.known_args_namespace.file_or_dir:
        args.append(str(SPEC_DIR))


@pytest.hookimpl(trylast=True)  # after the other plugins: the worker starts from a configured process
def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    for line in IGNORED_WARNINGS:
        config.addinivalue_line("filterwarnings", line)
    impl_path = config.getoption("--impl")
    if IS_KIT and impl_path == REFERENCE:
        raise pytest.UsageError("the student kit carries no reference implementation: give --impl PATH (your .py "
                                "file, notebook or folder)")
    if impl_path != REFERENCE and not Path(impl_path).exists():
        raise pytest.UsageError(f"--impl {impl_path}: no such file or folder (give a .py file, a folder of "
                                f".py files, or 'reference')")
    data_root = config.getoption("--data-root")
    if data_root is not None:
        missing = synthetic_cifar.missing_files(Path(data_root))
        if missing:
            raise pytest.UsageError(f"--data-root {data_root}: not a CIFAR-10 root, missing {', '.join(missing)} "
                                    f"(download and unpack cifar-10-python.tar.gz there, or leave --data-root out "
                                    f"to use a synthetic CIFAR-10)")
    seeding.configure(config.getoption("--seed"))  # a random one is drawn later, after the worker has forked
    if config.getoption("--share-reference-answers"):
        REFERENCE_ANSWERS.share(Path(config.getoption("--share-reference-answers")))
    _check_recording(config)
    session = GradingSession(config, impl_path)
    config.stash[STATE] = session
    config.pluginmanager.register(session, "autograde-session")
    if not (config.getoption("help") or config.getoption("collectonly")):
        session.start_worker()
    # Read only now: the worker, forked above, must not find the rubric (or its freed pages) in its memory.
    try:
        session.rubric = load_rubric(Path(config.getoption("--rubric")))
    except (OSError, ValueError) as exc:
        raise pytest.UsageError(f"--rubric: {exc}") from None


def _check_recording(config: pytest.Config) -> None:
    """Recorded answers hold for the public seed only: recording or replaying under another seed would
    compare a submission with answers to other questions."""
    for flag in ("--record-answers", "--recorded-answers"):
        value = config.getoption(flag)
        if value is None:
            continue
        seed = config.getoption("--seed")
        if seed == seeding.RANDOM or seeding.parse(seed) != RECORDED_SEED:
            where = "the kit checks" if IS_KIT else f"{flag} works"
            raise pytest.UsageError(f"{where} under the public seed {RECORDED_SEED} only, not --seed "
                                    f"{seed}: grading under other seeds needs the staff grader")
        if flag == "--recorded-answers" and not Path(value).is_file():
            raise pytest.UsageError(f"{flag} {value}: no such file (build the kit again with `pset3 kit`)")


def _state(config: pytest.Config) -> GradingSession:
    return config.stash[STATE]


@pytest.fixture(scope="session")
def impl(request: pytest.FixtureRequest) -> Impl:
    """The implementation under test (`--impl`), seen only through observations."""
    return _state(request.config).impl


@pytest.fixture(scope="session")
def ref(request: pytest.FixtureRequest) -> Impl:
    """The reference implementation, through the same API."""
    return _state(request.config).ref


@pytest.fixture(scope="session")
def speed_ratio(request: pytest.FixtureRequest) -> float:
    """How many times slower than the reference the speed spec allows (`--speed-ratio`)."""
    return request.config.getoption("--speed-ratio")


@pytest.fixture(scope="session")
def cifar_root(request: pytest.FixtureRequest) -> Path:
    """The CIFAR-10 root the data tests use: `--data-root`, or a synthetic one written for this session."""
    return _state(request.config).data_root


@pytest.fixture(scope="session")
def cifar_raw(cifar_root: Path) -> synthetic_cifar.RawReader:
    """The raw uint8 images `[32, 32, 3]` and labels of both CIFAR-10 sets, read by the test process one
    at a time (`.image("train", 17)`, `.label("test", 3)`)."""
    return synthetic_cifar.RawReader(cifar_root)


@pytest.fixture(autouse=True)
def _seeded_rng() -> None:
    """Every test starts from the run's seed for 0 in torch, numpy and random, and leaves global RNG state
    as it was."""
    import torch  # not at module level: see GradingSession.start_worker

    saved = random.getstate(), np.random.get_state()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    seed = seeding.derive(0)
    with torch.random.fork_rng(devices=devices):
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        yield
    random.setstate(saved[0])
    np.random.set_state(saved[1])


def _short_message(exc: BaseException) -> str:
    if isinstance(exc, SubmissionImportError):
        return f"the submission did not load: {exc.message}"
    if isinstance(exc, SubmissionProblem):
        return exc.message
    if isinstance(exc, AssertionError):  # keep the test's message, not pytest's operand diff after it
        text = str(exc).strip()
        return (text.split("\nassert ", 1)[0] if not text.startswith("assert ") else text) or "assertion failed"
    return describe(exc)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """Failures caused by the submission get its short message instead of the machinery's traceback."""
    report = yield
    if report.failed and call.excinfo is not None:
        exc = call.excinfo.value
        report.autograde_message = _short_message(exc)
        if isinstance(exc, SubmissionImportError):
            report.longrepr = f"{report.autograde_message}\n(the full error is shown once, after the results table)"
        elif isinstance(exc, SubmissionProblem):
            report.longrepr = exc.message + (f"\n\n{exc.detail}" if exc.detail else "")
    return report


class GradingSession:
    """One run's grading: the implementation under test (loaded lazily), the rubric, the gradebook."""

    rubric: Rubric  # set once the worker has started (pytest_configure)

    def __init__(self, config: pytest.Config, impl_path: str) -> None:
        self.config = config
        self.impl_path = impl_path
        self.started = time.monotonic()
        self.is_reference = is_reference_path(impl_path)

    @cached_property
    def gradebook(self) -> Gradebook:
        return Gradebook(self.rubric)

    @cached_property
    def data_folder(self) -> Path:
        """The folder holding the CIFAR-10 root; it exists (empty) before the synthetic data is written,
        so a sandboxed worker started early can be shown it."""
        given = self.config.getoption("--data-root")
        if given is not None:
            return Path(given).resolve()
        folder = Path(tempfile.mkdtemp(prefix="pset3-cifar10-"))  # removed when the run ends (pytest_unconfigure)
        folder.chmod(0o755)  # the sandboxed worker, an unprivileged user, reads the data
        return folder

    @cached_property
    def data_root(self) -> Path:
        given = self.config.getoption("--data-root") is not None
        return synthetic_cifar.data_root(self.data_folder if given else None, self.data_folder)

    @property
    def sandboxed(self) -> bool:
        return not (self.is_reference or self.config.getoption("--no-sandbox"))

    @cached_property
    def impl(self) -> Impl:
        option = self.config.getoption
        budget = Budget(option("--statement-timeout"), option("--load-timeout"))
        if not self.sandboxed:
            return InProcessImpl(load(self.impl_path, budget))
        return SandboxImpl(self.impl_path, expose=[self.data_folder], timeout=option("--timeout"),
                           start_timeout=option("--start-timeout"), allow_reference=option("--allow-reference-imports"),
                           cuda=option("--tier") != "cpu", budget=budget, tamper_check=not option("--no-tamper-check"),
                           rubric=Path(option("--rubric")))

    def start_worker(self) -> None:
        """Start the sandboxed worker now, before collection imports the spec and the reference and before
        any test computes: it is forked from this process once torch, torchvision and Lightning are
        imported (`autograde.worker.fork`), shares their memory, and loads the submission while we collect."""
        if self.sandboxed:
            self.impl.spawn()

    @cached_property
    def ref(self) -> Impl:
        """The live reference; or its recorded answers (the kit, `--recorded-answers`); or the live
        reference, recorded (`--record-answers`)."""
        recorded = self.config.getoption("--recorded-answers")
        if recorded is not None:
            return RecordedImpl(Path(recorded))
        live = InProcessImpl(load_reference())
        return Recorder(live) if self.config.getoption("--record-answers") else live

    @pytest.hookimpl(tryfirst=True)  # before -m deselects, so `-m part2` sees the derived markers
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        unmarked, kept_back = [], []
        for item in items:
            self._question_of_property(item)
            marker = item.get_closest_marker("question")
            if marker is None:
                if SPEC_DIR.name in item.path.parts:  # the spec, or a course's own spec_tests folder
                    unmarked.append(item.nodeid)
                continue
            qid = str(marker.args[0]) if marker.args else ""
            if IS_KIT and qid not in self.rubric.questions:  # a question the course keeps hidden from students
                kept_back.append(item)
                continue
            if qid not in self.rubric.questions:
                raise pytest.UsageError(f"{item.nodeid}: question {qid!r} is not in the rubric "
                                        f"({', '.join(self.rubric.questions)})")
            item.add_marker(f"part{self.rubric.questions[qid].part}")
            item.user_properties.append(("question", qid))
        if unmarked:
            raise pytest.UsageError("spec tests without @pytest.mark.question(id): " + ", ".join(unmarked))
        if kept_back:
            self.config.hook.pytest_deselected(items=kept_back)
            items[:] = [item for item in items if item not in kept_back]
        self._select_tier(items)

    def _question_of_property(self, item: pytest.Item) -> None:
        """A test of a model property counts toward the question the rubric gives it for that model."""
        marker = item.get_closest_marker("model_property")
        if marker is not None and item.get_closest_marker("question") is None:
            try:
                item.add_marker(pytest.mark.question(self.rubric.question_of(*marker.args)))
            except KeyError as exc:
                if not IS_KIT:
                    raise pytest.UsageError(f"{item.nodeid}: {exc.args[0]}") from None
                item.add_marker(pytest.mark.question(""))  # counted toward a question the course keeps hidden

    def _select_tier(self, items: list[pytest.Item]) -> None:
        """Keep the tier's tests (`--tier`); a gpu test without CUDA is skipped, saying so."""
        tier = self.config.getoption("--tier")
        keep, drop = [], []
        for item in items:
            special = any(item.get_closest_marker(m) for m in NOT_CPU_TIER)
            (keep if tier == "all" or special == (tier == "gpu") else drop).append(item)
        if drop:
            self.config.hook.pytest_deselected(items=drop)
            items[:] = keep
        gpu_items = [item for item in items if item.get_closest_marker("gpu")]
        if gpu_items and (reason := cuda_missing()):
            for item in gpu_items:
                item.add_marker(pytest.mark.skip(reason=reason))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            qid = dict(item.user_properties).get("question")
            if qid is not None:
                self.gradebook.collect(item.nodeid, qid)
        if self.sandboxed and not self.gradebook.collected and "impl" in self.__dict__:
            self.impl.close()  # nothing here observes the submission

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            message = getattr(report, "autograde_message", "")
            if not message and report.skipped and isinstance(report.longrepr, tuple):
                message = report.longrepr[2]
            self.gradebook.record(report.nodeid, report.outcome, message)

    def pytest_sessionfinish(self) -> None:
        self.close_worker()
        record = self.config.getoption("--record-answers")
        if record and "ref" in self.__dict__:
            self.ref.write(Path(record))
        results = graded(self.gradebook.results(), time.monotonic() - self.started, output=self.load_summary(),
                         seed=seeding.grading_seed())
        path = self.config.getoption("--results-json")
        if path:
            results.write(Path(path))
        self.config.hook.pytest_pset3_results(config=self.config, results=results)

    def close_worker(self) -> None:
        if "impl" in self.__dict__ and isinstance(self.impl, SandboxImpl):
            self.impl.close()

    def pytest_unconfigure(self) -> None:
        self.close_worker()  # runs that end before the session does (a usage error) still end the worker
        if "data_folder" in self.__dict__ and self.config.getoption("--data-root") is None:
            shutil.rmtree(self.data_folder, ignore_errors=True)

    def load_summary(self) -> str:
        """What went wrong loading the implementation, once it was loaded."""
        if "impl" not in self.__dict__:
            return ""
        return "\n".join(self.impl.load_report())

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
        results = self.gradebook.results()
        if not results:
            return
        tr = terminalreporter
        tr.write_sep("=", f"pset3 results for {self.impl_path} (seed {seeding.grading_seed()})")
        if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            tr.write_line(f"The run stopped early ({pytest.ExitCode(exitstatus).name}): tests that did not run "
                          f"count as failed.", red=True, bold=True)
        width = min(self.config.get_terminal_writer().fullwidth, 120)
        tr.write(to_text(run_table(results, ""), color=tr.hasmarkup, width=width))
        summary = self.load_summary()
        if summary:
            tr.write_sep("-", "loading the submission")
            tr.write_line(summary)
