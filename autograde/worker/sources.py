"""A submission's source file as the ordered top-level statements a careful TA would run.

Notebooks (`.ipynb`) and scripts (`.py`) are read the same way: a notebook's code cells, or a
script's percent-format cells (`# %%`, what VS Code and Jupytext write; a script without them is
one cell), each parsed on its own, so one cell that does not parse costs only that cell. IPython
magics (`%...`) and shell lines (`!...`) are never run, nor are `if __name__ == "__main__":`
blocks; each is recorded as such, with its place, so the feedback can say what the grader left out.
"""

from __future__ import annotations

import ast
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from autograde.common.errors import SubmissionImportError

CELL_MARKER = re.compile(r"^# ?%%")  # `# %%`, `# %% [markdown]`, `#%%`
MAGIC_PREFIXES = ("%", "!")


@dataclass(frozen=True)
class Statement:
    """One top-level statement: its syntax tree, the filename its tracebacks show, and its place."""

    node: ast.stmt
    filename: str
    cell: int | None  # the notebook cell, from 1; None in a script (its places are file lines)
    ordinal: int  # its position among the file's statements, from 0: how a skip list names it

    @property
    def line(self) -> int:
        return self.node.lineno

    @property
    def where(self) -> str:
        return _place(self.cell, self.line)

    @property
    def position(self) -> tuple[int, int]:
        return self.cell or 0, self.line

    @property
    def code(self) -> str:
        return summary(self.node)


@dataclass(frozen=True)
class NeverRun:
    """Something of the file that is never run: a magic, a shell line, a cell that does not parse."""

    where: str
    code: str
    reason: str
    position: tuple[int, int]  # (cell or 0, line)


@dataclass
class Source:
    """A file's statements in order, and what of it is never run."""

    statements: list[Statement] = field(default_factory=list)
    never_run: list[NeverRun] = field(default_factory=list)


def summary(node: ast.stmt, width: int = 70) -> str:
    """The statement's first line, shortened: enough for a TA to find it."""
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= width else text[: width - 3] + "..."


def _is_main_guard(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":` (either operand order) with no `else`."""
    if not isinstance(node, ast.If) or node.orelse or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    operands = [test.left, *test.comparators]
    names = {o.id for o in operands if isinstance(o, ast.Name)}
    constants = {o.value for o in operands if isinstance(o, ast.Constant)}
    return len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq) and names == {"__name__"} and \
        constants == {"__main__"}


def _cells_of_script(text: str) -> list[tuple[int, str]]:
    """`(first line, text)` of each percent-format cell; the whole file when it has no markers."""
    lines = text.splitlines()
    starts = sorted({0, *(i for i, line in enumerate(lines) if CELL_MARKER.match(line))})
    bounds = [*starts, len(lines)]
    return [(bounds[k] + 1, "\n".join(lines[bounds[k]:bounds[k + 1]])) for k in range(len(starts))]


def _cells_of_notebook(path: Path) -> list[str]:
    import nbformat

    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a broken file
        raise SubmissionImportError(f"{path.name} is not a readable notebook: {type(exc).__name__}: {exc}. "
                                    f"Open it in Jupyter and save it again, or submit a .py file") from None
    return [c.source for c in notebook.cells if c.cell_type == "code"]


def read(path: Path) -> Source:
    """The statements of the `.py` or `.ipynb` file at `path`; an unreadable notebook is an error.
    A notebook's places are cell and line within the cell (as Jupyter shows them); a script's are
    its file lines."""
    source = Source()
    if path.suffix == ".ipynb":
        for cell, text in enumerate(_cells_of_notebook(path), start=1):
            _read_cell(source, text, f"{path.name} [cell {cell}]", cell=cell)
    else:
        cells = _cells_of_script(path.read_text(errors="replace"))
        for first_line, text in cells:
            error = _read_cell(source, text, str(path), first_line=first_line)
            if error is not None and len(cells) == 1:  # nothing of the file can run: a load error
                detail = "".join(traceback.format_exception_only(type(error), error)).rstrip()
                raise SubmissionImportError(f"{path.name}, line {error.lineno}: SyntaxError: {error.msg}", detail)
    return source


def _place(cell: int | None, line: int) -> str:
    return f"cell {cell}, line {line}" if cell is not None else f"line {line}"


def _read_cell(source: Source, text: str, filename: str, cell: int | None = None,
               first_line: int = 1) -> SyntaxError | None:
    """Parse one cell on its own (a cell that does not parse is recorded and its error returned);
    line numbers stay those of the file (a script's cell starts at `first_line`) or of the cell."""
    lines = [""] * (first_line - 1)
    for number, line in enumerate(text.splitlines(), start=first_line):
        if line.lstrip().startswith(MAGIC_PREFIXES) and not _continues_expression(lines):
            source.never_run.append(NeverRun(_place(cell, number), line.strip()[:70],
                                             "an IPython magic or shell line: never run", (cell or 0, number)))
            line = ""  # keep line numbers
        lines.append(line)
    try:
        tree = ast.parse("\n".join(lines), filename=filename)
    except SyntaxError as exc:
        where = f"cell {cell}" if cell is not None else f"lines {first_line}-{len(lines)}"
        source.never_run.append(NeverRun(where, f"SyntaxError at line {exc.lineno}: {exc.msg}",
                                         "does not parse: skipped as a whole", (cell or 0, first_line)))
        return exc
    for node in tree.body:
        if _is_main_guard(node):
            source.never_run.append(NeverRun(_place(cell, node.lineno), summary(node),
                                             'an `if __name__ == "__main__":` block: never run by the grader',
                                             (cell or 0, node.lineno)))
            continue
        source.statements.append(Statement(node, filename, cell, len(source.statements)))
    return None


def _continues_expression(lines: list[str]) -> bool:
    """Whether the line before ends inside an expression: then a leading `%` is an operator."""
    previous = next((line for line in reversed(lines) if line.strip()), "")
    return previous.rstrip().endswith(("\\", ",", "(", "[", "{", "%"))
