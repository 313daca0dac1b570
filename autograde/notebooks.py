"""Notebook submissions: take the definitions, leave everything else.

From each code cell, in order: imports, functions, classes and assignments of simple constants
(literals, or names of things already defined). IPython magics (`%...`), shell lines (`!...`) and
every other top-level statement (downloads, training loops, plots) are skipped, and each skip is
reported so the student can see what the grader did not run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from autograde.errors import SubmissionImportError

KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass
class NotebookCode:
    """The statements kept from one notebook, each with the filename its traceback should show."""

    statements: list[tuple[ast.stmt, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _simple_value(node: ast.expr) -> bool:
    """A literal, or a (dotted) name: nothing that calls anything."""
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return isinstance(node, ast.Name | ast.Attribute) and not any(isinstance(n, ast.Call) for n in ast.walk(node))


def _kept(stmt: ast.stmt) -> bool:
    if isinstance(stmt, KEPT):
        return True
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        return all(isinstance(t, ast.Name) for t in targets) and _simple_value(stmt.value)
    return False


def _summary(stmt: ast.stmt) -> str:
    text = ast.unparse(stmt).splitlines()[0]
    return text if len(text) <= 70 else text[:67] + "..."


def read(path: Path) -> NotebookCode:
    """The definitions of the notebook at `path`; a file that is not a notebook is an error."""
    import nbformat

    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a broken file
        raise SubmissionImportError(f"{path.name} is not a readable notebook: {type(exc).__name__}: {exc}") from None
    code = NotebookCode()
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    for number, cell in enumerate(cells, start=1):
        where = f"{path.name} [cell {number}]"
        lines = []
        for line in cell.source.splitlines():
            if line.lstrip().startswith(("%", "!")):
                code.skipped.append(f"{where}: {line.strip()[:70]} (magic or shell line)")
                lines.append("")  # keep line numbers
            else:
                lines.append(line)
        try:
            tree = ast.parse("\n".join(lines), filename=where)
        except SyntaxError as exc:
            code.skipped.append(f"{where}: does not parse (SyntaxError at line {exc.lineno}: {exc.msg}); cell skipped")
            continue
        for stmt in tree.body:
            if _kept(stmt):
                code.statements.append((stmt, where))
            else:
                code.skipped.append(f"{where}, line {stmt.lineno}: {_summary(stmt)}")
    return code
