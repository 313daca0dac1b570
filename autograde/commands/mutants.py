"""The mutant catalogue (`mutants/mutants.toml`): known-wrong implementations, one planted mistake each.

A mutant is a file in `mutants/` that re-exports the reference and overrides one name, or, for a
mistake that is a small edit of a reference definition, a `plant` in its catalogue entry: the text
to replace in that definition and what replaces it. A planted mutant's file is generated from the
current reference into `mutants/generated/` (ignored by git) whenever the catalogue is read, so it
can never drift from the reference. `tools/examples.py` plants the bundled examples' mistakes the
same way (`plant`).
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograde.common.layout import PACKAGE_DIR, REFERENCE_DIR
from autograde.spec.results import write_atomically

MUTANTS_DIR = PACKAGE_DIR / "mutants"  # only in a checkout
CATALOG = MUTANTS_DIR / "mutants.toml"
GENERATED_DIR = MUTANTS_DIR / "generated"


def plant(text: str, right: str, wrong: str, what: str) -> str:
    """`text` with its one occurrence of `right` replaced by `wrong`; `what` names the mistake if the
    reference changed so that `right` no longer occurs exactly once."""
    if text.count(right) != 1:
        raise ValueError(f"the reference changed: cannot plant {what} ({right!r} occurs {text.count(right)} times)")
    return text.replace(right, wrong)


@dataclass(frozen=True)
class Mutant:
    name: str
    question: str
    mistake: str
    tier: str = "cpu"  # "all": only the speed spec sees the mistake; "gpu": only CUDA shows it
    planted: dict[str, str] = field(default_factory=dict, compare=False)  # define, old, new

    @property
    def path(self) -> Path:
        return (GENERATED_DIR if self.planted else MUTANTS_DIR) / f"{self.name}.py"

    @property
    def run_tier(self) -> str:
        """The --tier of its ordinary run: a device mutant's is the CPU tier, which must pass it."""
        return "cpu" if self.tier == "gpu" else self.tier

    def expected_failures(self, cuda: bool = False) -> frozenset[str]:
        """The questions its ordinary run (or, `cuda`, its run of the agreement spec on CUDA) must fail."""
        return frozenset() if self.tier == "gpu" and not cuda else frozenset({self.question})

    def source(self) -> str:
        """A planted mutant's module: the reference, then the one definition with the mistake planted."""
        module, _, define = self.planted["define"].partition(".")
        text = (REFERENCE_DIR / f"{module}.py").read_text()
        tree = ast.parse(text)
        node = next((n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == define), None)
        if node is None:
            raise ValueError(f"{self.name}: reference/{module}.py defines no {define} at top level")
        body = plant(ast.get_source_segment(text, node), self.planted["old"], self.planted["new"], self.name)
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & _top_level_names(tree) - {define}
        return (f'"""Mutant {self.name}, generated from reference/{module}.py by '
                f'autograde/commands/mutants.py (do not edit):\n'
                f'{self.mistake}."""\n\nfrom __future__ import annotations\n\nfrom reference import *\n'
                f'from reference.{module} import {", ".join(sorted(used))}\n\n\n{body}\n')


def _top_level_names(tree: ast.Module) -> set[str]:
    """The names a module binds at top level: what a definition lifted out of it may need."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def read_catalog(path: Path = CATALOG) -> list[Mutant]:
    """The catalogue's mutants, planted ones written out; every entry must have its file and every
    file in mutants/ its entry."""
    raw = tomllib.loads(path.read_text())
    mutants = [Mutant(name, entry["question"], entry["mistake"], entry.get("tier", "cpu"), entry.get("plant", {}))
               for name, entry in raw.items()]
    for m in (m for m in mutants if m.planted):
        source = m.source()
        if not m.path.exists() or m.path.read_text() != source:
            write_atomically(m.path, source)  # atomic: matrix workers read the catalogue side by side
    missing = [m.name for m in mutants if not m.path.exists()]
    unlisted = sorted({p.stem for p in path.parent.glob("*.py")} - {m.name for m in mutants if not m.planted})
    if missing or unlisted:
        raise ValueError(f"{path}: entries without a file: {missing}; files without an entry: {unlisted}")
    return mutants
