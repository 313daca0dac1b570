"""Loading an implementation (the reference, a `.py` file, a notebook or a folder of them) and
resolving the contract's names in it.

Every top-level statement runs, one at a time, under the policy of `autograde.worker.execution`: what
fails or runs too long is recorded and skipped, and loading goes on. Every definition of a name is
kept, so `pset3.toml` can pick `Net#2`. A file that cannot be read at all (it does not parse, a
broken notebook) fails exactly the names it should have provided, with its error.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import itertools
import os
import sys
import tempfile
import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path

from autograde.common import intake
from autograde.common.contract import CONTRACT_NAMES
from autograde.common.errors import MissingName, SubmissionImportError, SubmissionProblem
from autograde.worker import sources
from autograde.worker.execution import (
    DEFAULT_BUDGET,
    Budget,
    LoadedFile,
    OnStatement,
    Skipped,
    registered_module_name,
    run_file,
)
from autograde.worker.packages import NEVER_LOADED, RESERVED, SubmissionImporter, module_name, source_files

REFERENCE = "reference"
SOURCES = (".py", ".ipynb")
MAPPING_FILE = "pset3.toml"

_counter = itertools.count()


@dataclass
class Submission:
    """An implementation under test: its files in load order and its `pset3.toml` mapping."""

    label: str
    files: list[LoadedFile]
    mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    is_reference: bool = False
    _source_counts: dict[int, int] | None = field(default=None, repr=False)  # models' parameters, read from source

    @property
    def import_errors(self) -> list[SubmissionImportError]:
        return [f.error for f in self.files if f.error is not None]

    def defined(self) -> list[str]:
        """Every public top-level name that is not a module, in definition order; of the classes and
        functions, only those the submission defined (not `Subset` imported from torch)."""
        own = {f.namespace.get("__name__") for f in self.files}
        seen: dict[str, None] = {}
        for f in self.files:
            for key, obj in f.namespace.items():
                imported = isinstance(obj, type | types.FunctionType) and getattr(obj, "__module__", None) not in own
                if not key.startswith("_") and not isinstance(obj, types.ModuleType) and not imported:
                    seen.setdefault(key)
        return list(seen)

    def resolve(self, name: str) -> object:
        """The object a contract name stands for, or a SubmissionProblem that says why not."""
        if name in self.mapping:
            return self._resolve_spec(name, self.mapping[name])
        holders = [f for f in self.files if name in f.namespace]
        if len({id(f.namespace[name]) for f in holders}) == 1:  # one object, however many files bind it
            holders = holders[:1]
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
        raise MissingName(f"{MAPPING_FILE} maps {name} to {spec!r}, but the submission has {count}"
                          f"{self._why_undefined(target, files)}; it defines: {', '.join(self.defined()) or 'nothing'}")

    @staticmethod
    def _why_undefined(name: str, files: list[LoadedFile]) -> str:
        """`: FILE line N would have defined it, but that statement failed: ...`, or ""."""
        for f in reversed(files):
            if (earlier := f.would_have_bound(name)) is not None:
                return f": {f.name} {earlier.where} would have defined it, but that statement {earlier.outcome}: " \
                       f"{earlier.why}"
        return ""

    def _raise_if_broken(self, f: LoadedFile) -> None:
        if f.error is not None:  # a fresh exception each time: re-raising one would grow its traceback
            raise SubmissionImportError(f.error.message, f.error.detail)

    def _missing(self, name: str) -> MissingName:
        defined = ", ".join(self.defined()) or "nothing"
        if why := self._why_undefined(name, self.files):
            return MissingName(f"the submission does not define `{name}`{why}. It defines: {defined}")
        hint = (f"; or map one of your names to it in {MAPPING_FILE}"
                if len(self.files) > 1 or self.mapping else "")
        likely = self._likely(name)
        likely = f". {likely}" if likely else ""
        return MissingName(f"the submission does not define `{name}`; it defines: {defined}. "
                           f"Define `{name}` as the contract in README.md says{hint}{likely}")

    def _likely(self, name: str) -> str:
        """Which of its own definitions it most likely means, with the pset3.toml line that maps it
        (autograde/worker/suggest.py; read from objects and source, nothing run). Never a mapping itself."""
        from autograde.worker import suggest

        items = suggest.definitions(self.files)
        if self._source_counts is None:
            self._source_counts = suggest.counts_from_source(Path(self.label), self.files, items)
        taken = []  # what the mapping already gives other names (one that does not resolve takes nothing)
        for other, spec in self.mapping.items():
            if other != name:
                with contextlib.suppress(SubmissionProblem):
                    taken.append(self._resolve_spec(other, spec))
        return suggest.missing_message_suffix(name, items, folder=Path(self.label).is_dir(),
                                              counts=self._source_counts, taken=taken)

    @property
    def skipped(self) -> list[Skipped]:
        """Every top-level statement that did not run to its end, in file order."""
        return [s for f in self.files for s in f.skipped]


def is_reference_path(path: str | Path) -> bool:
    """`reference`, or a path to the reference package itself."""
    return str(path) == REFERENCE or Path(path).resolve() == _reference_dir()


def load(path: str | Path, budget: Budget = DEFAULT_BUDGET, on_statement: OnStatement | None = None) -> Submission:
    """Load the reference (`"reference"`), a `.py` file, a notebook, or a folder of them."""
    if is_reference_path(path):
        return load_reference()
    return load_path(Path(path), budget, on_statement)


def load_path(path: Path, budget: Budget = DEFAULT_BUDGET, on_statement: OnStatement | None = None) -> Submission:
    """Load a `.py` file, a notebook or a folder of them (never the reference package)."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_file() and path.suffix == ".zip":  # the same as the folder it holds
        unpacked = Path(tempfile.mkdtemp(prefix="pset3-zip-")) / path.stem
        return _load_folder(intake.write(intake.read(path), unpacked), budget, on_statement, label=str(path))
    if path.is_file():
        if path.suffix not in SOURCES:
            raise ValueError(f"{path}: a submission is a .py file, a .ipynb notebook, a folder of them, or a .zip "
                             f"of one")
        return Submission(label=str(path), files=[_run_file(path, budget, on_statement)])
    return _load_folder(path, budget, on_statement)


def reference_object(name: str) -> object | None:
    """The reference's object for contract name `name`, if it has one (and its package is importable)."""
    try:
        module = importlib.import_module(REFERENCE)
    except ImportError:
        return None
    return getattr(module, name, None) if name in module.__all__ else None


def load_reference() -> Submission:
    module = importlib.import_module(REFERENCE)
    namespace = {n: getattr(module, n) for n in module.__all__}
    loaded = LoadedFile(REFERENCE, namespace, {n: [obj] for n, obj in namespace.items()})
    return Submission(label=REFERENCE, files=[loaded], is_reference=True)


def _reference_dir() -> Path:
    spec = importlib.util.find_spec(REFERENCE)
    origin = spec.origin if spec and spec.origin else ""
    return Path(origin).resolve().parent


def lone_folder(folder: Path) -> Path:
    """The folder a submission's code is in: an upload that holds one folder and nothing else (a zipped
    folder, unpacked) is that folder."""
    entries = [e for e in folder.iterdir() if not intake.ignored(e.name)]
    while len(entries) == 1 and entries[0].is_dir():
        folder = entries[0]
        entries = [e for e in folder.iterdir() if not intake.ignored(e.name)]
    return folder


def _load_folder(folder: Path, budget: Budget, on_statement: OnStatement | None, label: str = "") -> Submission:
    """Every source file of the folder and its subfolders, each run once (`autograde.worker.packages`): imported
    by its dotted name where it has one, so that what another file imports of it is the same object."""
    label = label or str(folder)
    folder = lone_folder(folder)
    notes: list[str] = []
    mapping: dict[str, str] = {}
    mapping_error: SubmissionImportError | None = None
    if (folder / MAPPING_FILE).exists():
        try:
            mapping = _read_mapping(folder / MAPPING_FILE)
        except SubmissionImportError as exc:
            mapping_error = exc
    candidates = list(source_files(folder))
    found = [p for p in candidates if p.name not in NEVER_LOADED]
    notes += [f"{_shown(folder, p)} was ignored: the grader never loads it"
              for p in candidates if p.name in NEVER_LOADED]
    if not found:
        notes.append(f"the folder holds no .py or .ipynb file (it has: {', '.join(sorted(os.listdir(folder)))})")
    loaded: dict[Path, LoadedFile] = {}

    def run(path: Path, module: types.ModuleType) -> None:
        loaded[path] = _run_into(path, module, _shown(folder, path), budget, on_statement)
        if loaded[path].error is not None:  # the importing statement fails with the reason
            raise ImportError(loaded[path].error.message)

    importer = SubmissionImporter(folder, run)
    sys.meta_path.insert(0, importer)
    for path in found:
        name = module_name(folder, path) if path.suffix == ".py" else None
        name = importer.canonical(name) if name and name.split(".")[0] not in RESERVED else None
        if path not in loaded and name and name not in sys.modules:
            with contextlib.suppress(ImportError):  # recorded in its LoadedFile
                importlib.import_module(name)
        if path not in loaded:  # a notebook, a name that is not an identifier or is taken: run on its own
            loaded[path] = _run_file(path, budget, on_statement, _shown(folder, path))
    files = [loaded[p] for p in found]
    if mapping_error is not None:
        files.insert(0, LoadedFile(MAPPING_FILE, error=mapping_error))
    return Submission(label=label, files=files, mapping=mapping, notes=notes)


def _shown(folder: Path, path: Path) -> str:
    """A file as the feedback names it: its path in the submission folder."""
    return path.relative_to(folder).as_posix()


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


def _run_file(path: Path, budget: Budget, on_statement: OnStatement | None, name: str = "") -> LoadedFile:
    """Every top-level statement of the file, run under `budget` (autograde.worker.execution), into a module
    of its own."""
    return _run_into(path, _new_module(path), name or path.name, budget, on_statement)


def _run_into(path: Path, module: types.ModuleType, name: str, budget: Budget,
              on_statement: OnStatement | None) -> LoadedFile:
    try:
        source = sources.read(path)
    except SubmissionImportError as exc:
        return LoadedFile(name, error=exc)
    return run_file(path, source, module, budget, on_statement, name)


def _new_module(path: Path) -> types.ModuleType:
    """A module registered in sys.modules (dataclasses and pickling look there) under a free name."""
    module = types.ModuleType(registered_module_name(path.stem, _counter))
    module.__file__ = str(path)
    sys.modules[module.__name__] = module
    return module
