"""Loading an implementation (the reference, a `.py` file or a folder of them) and resolving the
contract's names in it.

Top-level statements run one at a time so that every definition of a name is kept: notebooks and
scripts often redefine `Net` several times, and `pset3.toml` can then pick `Net#2`. A file that
fails to load fails exactly the names it should have provided, with its error.
"""

from __future__ import annotations
import __future__

import ast
import importlib
import importlib.util
import itertools
import os
import sys
import tomllib
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path

from autograde import notebooks
from autograde.contract import CONTRACT_NAMES
from autograde.errors import MissingName, SubmissionImportError
from autograde.tracebacks import describe, implementation_traceback

REFERENCE = "reference"
SOURCES = (".py", ".ipynb")
MAPPING_FILE = "pset3.toml"
# Files a submission may ship that must never be loaded: they would configure the grader itself.
NEVER_LOADED = frozenset({"conftest.py", "sitecustomize.py", "usercustomize.py", "setup.py"})

_counter = itertools.count()


@dataclass
class LoadedFile:
    """One source file: its final top-level names, every definition in order, and its load error."""

    name: str
    namespace: dict[str, object] = field(default_factory=dict)
    definitions: dict[str, list[object]] = field(default_factory=dict)
    error: SubmissionImportError | None = None


@dataclass
class Submission:
    """An implementation under test: its files in load order and its `pset3.toml` mapping."""

    label: str
    files: list[LoadedFile]
    mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    is_reference: bool = False

    @property
    def import_errors(self) -> list[SubmissionImportError]:
        return [f.error for f in self.files if f.error is not None]

    def defined(self) -> list[str]:
        """Every public top-level name that is not a module, in definition order."""
        seen: dict[str, None] = {}
        for f in self.files:
            for key, obj in f.namespace.items():
                if not key.startswith("_") and not isinstance(obj, types.ModuleType):
                    seen.setdefault(key)
        return list(seen)

    def resolve(self, name: str) -> object:
        """The object a contract name stands for, or a SubmissionProblem that says why not."""
        if name in self.mapping:
            return self._resolve_spec(name, self.mapping[name])
        holders = [f for f in self.files if name in f.namespace]
        if len(holders) > 1:
            where = " and ".join(f.name for f in holders)
            raise MissingName(
                f"`{name}` is defined in {where}; say which one in {MAPPING_FILE}, "
                f'e.g. {name} = "{holders[0].name}:{name}"'
            )
        if holders:
            self._raise_if_broken(holders[0])
            return holders[0].namespace[name]
        for f in self.files:
            self._raise_if_broken(f)
        raise self._missing(name)

    def _resolve_spec(self, name: str, spec: str) -> object:
        """`Name`, `Name#k` (k-th top-level definition, from 1) or `file:Name#k`."""
        file_part, _, rest = spec.rpartition(":")
        target, _, index = rest.partition("#")
        files = [f for f in self.files if f.name == file_part] if file_part else self.files
        if file_part and not files:
            raise MissingName(f"{MAPPING_FILE} maps {name} to {spec!r}, but the submission has no file "
                              f"{file_part!r}; it has {', '.join(f.name for f in self.files) or 'no files'}")
        for f in files:
            self._raise_if_broken(f)
        found = [obj for f in files for obj in f.definitions.get(target, [])]
        if not index:
            holders = [f for f in files if target in f.namespace]
            if holders:
                return holders[-1].namespace[target]
        elif index.isdigit() and 1 <= int(index) <= len(found):
            return found[int(index) - 1]
        count = f"{len(found)} top-level definition{'s' if len(found) != 1 else ''} of {target}"
        raise MissingName(f"{MAPPING_FILE} maps {name} to {spec!r}, but the submission has {count}; "
                          f"it defines: {', '.join(self.defined()) or 'nothing'}")

    def _raise_if_broken(self, f: LoadedFile) -> None:
        if f.error is not None:  # a fresh exception each time: re-raising one would grow its traceback
            raise SubmissionImportError(f.error.message, f.error.detail)

    def _missing(self, name: str) -> MissingName:
        defined = ", ".join(self.defined()) or "nothing"
        hint = (f"; or map one of your names to it in {MAPPING_FILE}"
                if len(self.files) > 1 or self.mapping else "")
        return MissingName(f"the submission does not define `{name}`; it defines: {defined}. "
                           f"Define `{name}` as the contract in README.md says{hint}")


def is_reference_path(path: str | Path) -> bool:
    """`reference`, or a path to the reference package itself."""
    return str(path) == REFERENCE or Path(path).resolve() == _reference_dir()


def load(path: str | Path) -> Submission:
    """Load the reference (`"reference"`), a `.py` file, or a folder of `.py` files."""
    if is_reference_path(path):
        return load_reference()
    return load_path(Path(path))


def load_path(path: Path) -> Submission:
    """Load a `.py` file or a folder of them (never the reference package)."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_file():
        if path.suffix not in SOURCES:
            raise ValueError(f"{path}: a submission is a .py file, a .ipynb notebook, or a folder of them")
        notes: list[str] = []
        return Submission(label=str(path), files=[_exec_file(path, notes)], notes=notes)
    return _load_folder(path)


def load_reference() -> Submission:
    module = importlib.import_module(REFERENCE)
    namespace = {n: getattr(module, n) for n in module.__all__}
    loaded = LoadedFile(REFERENCE, namespace, {n: [obj] for n, obj in namespace.items()})
    return Submission(label=REFERENCE, files=[loaded], is_reference=True)


def _reference_dir() -> Path:
    spec = importlib.util.find_spec(REFERENCE)
    origin = spec.origin if spec and spec.origin else ""
    return Path(origin).resolve().parent


def _load_folder(folder: Path) -> Submission:
    notes: list[str] = []
    mapping: dict[str, str] = {}
    mapping_error: SubmissionImportError | None = None
    if (folder / MAPPING_FILE).exists():
        try:
            mapping = _read_mapping(folder / MAPPING_FILE)
        except SubmissionImportError as exc:
            mapping_error = exc
    candidates = sorted(p for p in folder.iterdir() if p.suffix in SOURCES and p.is_file())
    sources = [p for p in candidates if p.name not in NEVER_LOADED]
    notes += [f"{p.name} was ignored: the grader never loads it" for p in candidates if p.name in NEVER_LOADED]
    if not sources:
        notes.append(f"the folder holds no .py or .ipynb file (it has: {', '.join(sorted(os.listdir(folder)))})")
    sys.path.insert(0, str(folder))  # sibling imports (`from models import Net`) must resolve
    files = [_exec_file(p, notes) for p in sources]
    if mapping_error is not None:
        files.insert(0, LoadedFile(MAPPING_FILE, error=mapping_error))
    return Submission(label=str(folder), files=files, mapping=mapping, notes=notes)


def _read_mapping(path: Path) -> dict[str, str]:
    try:
        raw = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SubmissionImportError(f"{path.name} is not valid TOML: {exc}") from None
    unknown = sorted(k for k in raw if k not in CONTRACT_NAMES)
    if unknown:
        raise SubmissionImportError(f"{path.name} maps names the contract does not have: {', '.join(unknown)}; "
                                    f"contract names are {', '.join(sorted(CONTRACT_NAMES))}")
    bad = sorted(k for k, v in raw.items() if not isinstance(v, str))
    if bad:
        raise SubmissionImportError(f'{path.name}: values must be strings like "Net#2"; not so for {", ".join(bad)}')
    return dict(raw)


def _exec_file(path: Path, notes: list[str] | None = None) -> LoadedFile:
    """Run a file's top-level statements one by one, keeping each definition as it is made.
    For a notebook, only its definitions run; what was skipped goes to `notes`."""
    loaded = LoadedFile(path.name)
    if path.suffix == ".ipynb":
        try:
            code = notebooks.read(path)
        except SubmissionImportError as exc:
            loaded.error = exc
            return loaded
        if notes is not None and code.skipped:
            notes.append(f"{path.name}: not run (only definitions are taken from notebooks):\n  "
                         + "\n  ".join(code.skipped))
        return _exec_statements(loaded, path, code.statements)
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        where = f"{path.name}, line {exc.lineno}"
        detail = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
        loaded.error = SubmissionImportError(f"{where}: SyntaxError: {exc.msg}", detail)
        return loaded
    return _exec_statements(loaded, path, [(stmt, str(path)) for stmt in tree.body])


def _exec_statements(loaded: LoadedFile, path: Path, statements: list[tuple[ast.stmt, str]]) -> LoadedFile:
    module = _new_module(path)
    loaded.namespace = module.__dict__
    flags = 0
    for stmt, filename in statements:
        flags |= _future_flags(stmt)
        code = compile(ast.Module(body=[stmt], type_ignores=[]), filename, "exec", flags=flags, dont_inherit=True)
        try:
            exec(code, module.__dict__)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - any failure of student code is reported
            where = filename if filename != str(path) else path.name
            loaded.error = SubmissionImportError(
                f"{where} raised {describe(exc)} at line {stmt.lineno} while loading",
                implementation_traceback(exc),
            )
            return loaded
        for bound in _bound_names(stmt):
            if bound in module.__dict__:
                loaded.definitions.setdefault(bound, []).append(module.__dict__[bound])
    return loaded


def _new_module(path: Path) -> types.ModuleType:
    """A module registered in sys.modules (dataclasses and pickling look there) under a free name."""
    name = path.stem if path.stem.isidentifier() and path.stem not in sys.modules else \
        f"_pset3_submission_{next(_counter)}_{''.join(c if c.isalnum() else '_' for c in path.stem)}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    return module


def _future_flags(stmt: ast.stmt) -> int:
    if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
        return sum(getattr(__future__, a.name).compiler_flag for a in stmt.names if hasattr(__future__, a.name))
    return 0


def _bound_names(stmt: ast.stmt) -> list[str]:
    """Names a top-level definition or assignment binds (what `Name#k` counts)."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [stmt.name]
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
        targets = [stmt.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
