"""A submission folder imported as the student's machine imported it.

Students split their code over files and folders: `train.py` says `from model import ViT`, a folder
`vit/` holds `util.py` and `vitnet.py`, and `vitnet.py` says `from vit.util import img_to_patch` or
`from .util import img_to_patch`. `SubmissionImporter` is a meta path finder that makes, for one
submission folder, exactly these importable:

- each source file of the folder by its dotted path (`model`, `vit.util`), with or without an
  `__init__.py` in its folders (those without are packages all the same), and relative imports;
- the folder itself by its own name (`vit.util` when the uploaded folder is `vit/`), one module
  object for both names.

Each module is run by the statement-by-statement loader (`autograde.worker.execution`), once, whoever
imports it first: a failing top-level line of `models.py` is skipped and recorded, not the importing
statement. Nothing else becomes importable: a name already imported (a library, the grader's own
packages) or one of the grader's names is never taken from the submission.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

from autograde.common.intake import ignored

# Files a submission may ship that must never be loaded: they would configure the grader itself.
NEVER_LOADED = frozenset({"conftest.py", "sitecustomize.py", "usercustomize.py", "setup.py"})
# Names a submission's file never takes: the grader's own packages.
RESERVED = frozenset({"autograde", "reference", "spec_tests", "mutants", "tests"})
Run = Callable[[Path, types.ModuleType], None]  # runs a file's statements into a module


def module_name(root: Path, path: Path) -> str | None:
    """The dotted name a file or folder under `root` is imported by (None: it cannot be)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


class SubmissionImporter(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a submission's own modules from its folder, each run by `run` (see the module docstring)."""

    def __init__(self, root: Path, run: Run) -> None:
        self.root = root
        self.run = run
        own = root.name
        self.own = own if own.isidentifier() and own not in RESERVED and own not in sys.modules else None
        self.modules: dict[Path, types.ModuleType] = {}  # by source (a folder for a package): run once

    def locate(self, fullname: str) -> Path | None:
        """The file (or package folder) of the submission that `fullname` names."""
        parts = fullname.split(".")
        if parts[0] == self.own:
            parts = parts[1:]
        elif parts[0] in RESERVED:
            return None
        path = self.root.joinpath(*parts)
        if any(ignored(p) for p in parts):
            return None
        if path.is_dir():
            return path
        file = path.with_suffix(".py")
        return file if file.is_file() and file.name not in NEVER_LOADED else None

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        found = self.locate(fullname)
        if found is None:
            return None
        spec = importlib.util.spec_from_loader(fullname, self, origin=str(found), is_package=found.is_dir())
        if found.is_dir():
            spec.submodule_search_locations = [str(found)]
        return spec

    def canonical(self, fullname: str) -> str:
        """The name a module is made under: inside the folder's own package where it has one, so that its
        relative imports work however a sibling imported it (`vitnet` is `vit.vitnet`)."""
        return f"{self.own}.{fullname}" if self.own and fullname.split(".")[0] != self.own else fullname

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        """The module already made for this source under its other name, if any (one object)."""
        if spec.name != self.canonical(spec.name):
            return importlib.import_module(self.canonical(spec.name))
        return self.modules.get(Path(spec.origin))

    def exec_module(self, module: types.ModuleType) -> None:
        source = Path(module.__spec__.origin)
        if source in self.modules:
            return
        self.modules[source] = module
        init = source / "__init__.py" if source.is_dir() else source
        module.__file__ = str(init)
        if init.is_file():
            self.run(init, module)


def source_files(folder: Path) -> Iterator[Path]:
    """Every source file under `folder`, its own files first, then each subfolder's, in name order;
    hidden and ignored entries left out."""
    for entry in sorted(folder.iterdir(), key=lambda p: (p.is_dir(), p.name)):
        if ignored(entry.name):
            continue
        if entry.is_dir():
            yield from source_files(entry)
        elif entry.suffix in (".py", ".ipynb"):
            yield entry
