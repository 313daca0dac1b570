"""Running a file's top-level statements as a careful TA runs a notebook: "Restart and Run All,
and keep going" (docs/architecture.md, The data flow of one grade).

Every statement runs, in order. One that raises is skipped and recorded, and the next one still
runs; one over its time budget is interrupted (SIGALRM, raised again every second if the code
swallows it), skipped and recorded. A file has a load budget too: once it is spent, only
definitions (`def`, `class`, imports) still run, for DEFINITIONS_GRACE seconds more, so a file
that wastes its time on training calls still defines its contract names.

Each definition of a name that the file defines again later (`Name#k`) behaves as in the
student's own run, where it was used before the next definition replaced it: its functions see
the names that existed when it was defined as they were then (so inside `Net#1`, `Net` is `Net#1`,
as `super(Net, self)` needs, and a `HIDDEN` set before it keeps its value even when a later cell
sets it again for `Net#2`), names first defined after it as they were when the next definition
came, and names defined only after that as they are at the end.

Records are plain data (`Skipped`, of `autograde.wire.protocol`), so the sandbox can send them to the
grader, and they name the cause when a later failure comes from a statement that did not run (`explain_name_error`).
"""

from __future__ import annotations
import __future__

import ast
import errno
import signal
import socket
import sys
import threading
import time
import types
import urllib.error
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograde.common.tracebacks import describe
from autograde.wire.protocol import FileReport, Skipped
from autograde.worker.sources import NeverRun, Source, Statement

STATEMENT_TIMEOUT = 20.0  # seconds one top-level statement may run
LOAD_TIMEOUT = 120.0  # seconds all of one file's top-level statements may run
DEFINITIONS_GRACE = 30.0  # after the load budget, seconds in which definitions still run
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
NETWORK_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNREFUSED, errno.ETIMEDOUT}


class StatementTimeout(BaseException):
    """Raised inside a top-level statement that ran over its budget (a BaseException, so that
    `except Exception` in student code does not swallow it)."""


@dataclass(frozen=True)
class Budget:
    """How long loading may take; `skip` names statements (file, ordinal) not to run, and why:
    the sandbox's parent passes those that hung or ended the worker on an earlier try."""

    statement: float = STATEMENT_TIMEOUT
    load: float = LOAD_TIMEOUT
    skip: Mapping[tuple[str, int], tuple[str, str]] = field(default_factory=dict)  # -> (outcome, why)


DEFAULT_BUDGET = Budget()


@dataclass
class LoadedFile:
    """One source file after its statements ran: its final top-level names, every definition in
    order, what did not run, and the error that kept it from loading at all (a file that does not
    parse, an unreadable notebook, a bad mapping)."""

    name: str
    namespace: dict[str, object] = field(default_factory=dict)
    definitions: dict[str, list[object]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    ran: int = 0
    seconds: float = 0.0  # how long its statements took
    error: Any = None  # a SubmissionImportError

    def report(self) -> FileReport:
        """What loading the file did, as the worker reports it: how many statements ran, which did not."""
        return FileReport(self.name, self.ran, round(self.seconds, 2), tuple(self.skipped))

    def would_have_bound(self, name: str) -> Skipped | None:
        """The last statement that did not run and would have defined `name`."""
        return next((s for s in reversed(self.skipped) if name in s.binds), None)


# Namespaces of loaded files (module dicts and the per-definition ones), by id: how a NameError
# raised later, inside a probe, finds the file whose statement did not run.
_NAMESPACES: dict[int, LoadedFile] = {}

# Told `("start", file, statement, budget)` before each statement runs, and `("interrupted", ...)`
# after one ran over its budget: how the sandbox's parent watches loading.
OnStatement = Callable[[str, str, Statement, float], None]


def binds(node: ast.stmt) -> tuple[str, ...]:
    """The top-level names a statement binds: definitions, imports, assignment and loop targets."""
    found: list[str] = []
    stack: list[ast.AST] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append(n.name)  # its body is a scope of its own
            continue
        if isinstance(n, ast.Import | ast.ImportFrom):
            found += [a.asname or a.name.split(".")[0] for a in n.names if a.name != "*"]
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            found.append(n.id)
        elif isinstance(n, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return tuple(dict.fromkeys(found))


def defined_names(node: ast.stmt) -> list[str]:
    """Names a top-level definition or assignment binds: what `Name#k` counts."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


class _Interrupter:
    """Interrupts the main thread with StatementTimeout once a budget is spent, and again every
    second while the statement goes on (it may catch the first one)."""

    def __init__(self) -> None:
        self.armed = False

    def _fire(self, signum: int, frame: Any) -> None:
        if self.armed:
            raise StatementTimeout

    @contextmanager
    def budget(self, seconds: float) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
            yield
            return
        # Nested: a statement that imports another file of the submission runs that file's statements
        # under budgets of their own, within what is left of the importing statement's.
        outer_left = signal.getitimer(signal.ITIMER_REAL)[0]
        seconds = min(seconds, outer_left) if outer_left > 0 else seconds
        previous = signal.signal(signal.SIGALRM, self._fire)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGALRM])  # an earlier statement may have blocked it
        self.armed = True
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001), 1.0)
        try:
            yield
        finally:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if outer_left > 0:  # the importing statement's budget goes on
                signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 0.001), 1.0)


def _is_network_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, urllib.error.URLError | socket.gaierror | ConnectionError | socket.timeout):
            return True
        if isinstance(exc, OSError) and exc.errno in NETWORK_ERRNOS:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _not_installed(exc: BaseException, folder: Path) -> str | None:
    """The package an import could not find, when it is neither installed nor in the submission."""
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        if not (folder / f"{top}.py").exists() and not (folder / top).is_dir():
            return top
    return None


class Runner:
    """Runs one file's statements under a budget, into a module registered in sys.modules."""

    def __init__(self, path: Path, source: Source, budget: Budget, on_statement: OnStatement | None = None,
                 name: str = "") -> None:
        self.path = path
        self.source = source
        self.budget = budget
        self.on_statement = on_statement
        self.loaded = LoadedFile(name or path.name)  # a file in a subfolder is shown by its path in the folder
        self.interrupter = _Interrupter()
        self.flags = 0
        # For each definition of a name the file binds again later: the namespace its functions see,
        # and the names that namespace keeps as they were at the definition.
        self.eras: dict[str, dict[str, object]] = {}
        self.pinned: dict[int, frozenset[str]] = {}
        self.frozen: list[dict[str, object]] = []

    def run(self, module: types.ModuleType) -> LoadedFile:
        loaded = self.loaded
        loaded.namespace = module.__dict__
        _NAMESPACES[id(module.__dict__)] = loaded
        loaded.skipped += [self._never_run(n) for n in self.source.never_run]
        rebound_later = self._rebound_later()
        started = time.monotonic()
        deadline = started + self.budget.load
        for stmt in self.source.statements:
            self.flags |= _future_flags(stmt.node)
            budget = self._budget_for(stmt, deadline)
            if isinstance(budget, tuple):
                self._skip(stmt, *budget)
                continue
            self._execute(stmt, budget, stmt.node.name if stmt.ordinal in rebound_later else None)
        loaded.seconds = time.monotonic() - started
        loaded.skipped.sort(key=lambda s: s.position)
        for era in self.frozen + list(self.eras.values()):  # names defined only later, as at the end
            for key, value in loaded.namespace.items():
                era.setdefault(key, value)
        return loaded

    def _rebound_later(self) -> set[int]:
        """Ordinals of def/class statements whose name a later statement binds again."""
        later: set[str] = set()
        found: set[int] = set()
        for stmt in reversed(self.source.statements):
            node = stmt.node
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name in later:
                found.add(stmt.ordinal)
            later.update(binds(node))
        return found

    def _budget_for(self, stmt: Statement, deadline: float) -> float | tuple[str, str]:
        """Seconds the statement may run, or (outcome, why) when it does not run at all."""
        if (self.loaded.name, stmt.ordinal) in self.budget.skip:
            return self.budget.skip[(self.loaded.name, stmt.ordinal)]
        left = deadline - time.monotonic()
        if left > 0:
            return min(self.budget.statement, left)
        spent = f"the file's load budget ({self.budget.load:g} s) was spent"
        if not isinstance(stmt.node, DEFINITIONS):
            return "was not run", f"{spent}; only definitions ran after that"
        if left + DEFINITIONS_GRACE > 0:
            return min(self.budget.statement, left + DEFINITIONS_GRACE)
        return "was not run", f"{spent}, and the {DEFINITIONS_GRACE:g} s after it in which definitions still run"

    def _execute(self, stmt: Statement, budget: float, era_name: str | None) -> None:
        namespace = self.loaded.namespace
        target = dict(namespace) if era_name else namespace
        if era_name:
            _NAMESPACES[id(target)] = self.loaded
        code = compile(ast.Module(body=[stmt.node], type_ignores=[]), stmt.filename, "exec", flags=self.flags,
                       dont_inherit=True)
        self._tell("start", stmt, budget)
        try:
            with self.interrupter.budget(budget):
                exec(code, target)
        except StatementTimeout:
            self._skip(stmt, "was interrupted", f"it ran over its {budget:g} s budget")
            self._tell("interrupted", stmt, budget)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - any failure of student code is recorded
            self._skip(stmt, *self._failure(exc))
        else:
            self.loaded.ran += 1
        finally:
            rebound = era_name is not None and era_name in target and target[era_name] is not namespace.get(era_name)
            if rebound:
                namespace[era_name] = target[era_name]
            self._advance_eras()
            if rebound:
                self.eras[era_name] = target
                self.pinned[id(target)] = frozenset(target)
        for bound in defined_names(stmt.node):
            if bound in namespace:
                self.loaded.definitions.setdefault(bound, []).append(namespace[bound])

    def _tell(self, event: str, stmt: Statement, budget: float) -> None:
        if self.on_statement is not None:
            self.on_statement(event, self.loaded.name, stmt, budget)

    def _advance_eras(self) -> None:
        """An era goes on while the file's name still means its definition, taking in names that are
        new since the definition; then it is frozen."""
        namespace = self.loaded.namespace
        for name, era in list(self.eras.items()):
            if namespace.get(name) is not era.get(name):
                self.frozen.append(self.eras.pop(name))
                continue
            pinned = self.pinned[id(era)]
            era.update((k, v) for k, v in namespace.items() if k not in pinned)

    def _failure(self, exc: BaseException) -> tuple[str, str]:
        if (package := _not_installed(exc, self.path.parent)) is not None:
            return "was skipped", f"{package} is not installed in the grader"
        text = describe(exc)
        if isinstance(exc, SystemExit):
            return "was skipped", f"it called exit({exc.code!r}); the grader does not stop for it"
        if _is_network_error(exc):
            text += " (the grader has no network)"
        elif isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EROFS:  # the read-only rest
            text += " (the grader runs the code in an empty folder and lets it write only there)"
        elif isinstance(exc, RuntimeError) and "Dataset not found" in str(exc):
            text += " (the grader has no data there: it passes the CIFAR-10 root to your functions as `root`)"
        elif isinstance(exc, NameError) and not isinstance(exc, UnboundLocalError) and exc.name:
            earlier = self.loaded.would_have_bound(exc.name)
            if earlier is not None:
                text += f" ({earlier.where} would have defined it, but that statement {earlier.outcome})"
        return "failed", text

    def _skip(self, stmt: Statement, outcome: str, why: str) -> None:
        self.loaded.skipped.append(Skipped(self.loaded.name, stmt.where, stmt.code, outcome, why,
                                           binds(stmt.node), stmt.position))

    def _never_run(self, item: NeverRun) -> Skipped:
        return Skipped(self.loaded.name, item.where, item.code, "was not run", item.reason, position=item.position)


def run_file(path: Path, source: Source, module: types.ModuleType, budget: Budget = DEFAULT_BUDGET,
             on_statement: OnStatement | None = None, name: str = "") -> LoadedFile:
    """Run `source`'s statements into `module` (see the module docstring); `name` shows the file."""
    return Runner(path, source, budget, on_statement, name).run(module)


def _future_flags(node: ast.stmt) -> int:
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        return sum(getattr(__future__, a.name).compiler_flag for a in node.names if hasattr(__future__, a.name))
    return 0


def explain_name_error(exc: BaseException) -> str:
    """For a NameError raised in a submission's code: which function needed the name, and which
    top-level statement would have defined it but did not run. "" when there is nothing to say."""
    if not isinstance(exc, NameError) or isinstance(exc, UnboundLocalError) or not exc.name:
        return ""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        loaded = _NAMESPACES.get(id(frame.f_globals))
        if loaded is None:
            continue
        earlier = loaded.would_have_bound(exc.name)
        if earlier is None:
            return ""
        user = frame.f_code.co_qualname if hasattr(frame.f_code, "co_qualname") else frame.f_code.co_name
        user = "the top level" if user == "<module>" else f"`{user}`"
        return (f"{user} uses `{exc.name}`, which {earlier.file} {earlier.where} would have defined, but that "
                f"statement {earlier.outcome}: {earlier.why}")
    return ""


def registered_module_name(stem: str, counter: Iterator[int]) -> str:
    """A free name in sys.modules for a submission file (dataclasses and pickling look there)."""
    if stem.isidentifier() and stem not in sys.modules:
        return stem
    return f"_pset3_submission_{next(counter)}_{''.join(c if c.isalnum() else '_' for c in stem)}"
