"""The bundled example submissions, built from the reference so they can never drift from it.

    python tools/examples.py        # rewrites examples/submissions/{correct,buggy}.py

`correct.py` is the reference as one standalone file (a submission may not import the
reference); `buggy.py` is the same with three of the problem set's mistakes planted, so it must
lose exactly questions 1.2, 2.2 and 3.3 (planted as the catalogue plants mutants,
`autograde.commands.mutants.plant`). tests/test_grade_command.py checks both are current.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograde.commands.mutants import plant  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FOLDER = REPO / "examples" / "submissions"
PARTS = [REPO / "reference" / f"part{n}.py" for n in (1, 2, 3)]
PROBLEMSET = REPO / "autograde" / "common" / "problemset.py"
# (question it costs, text in the reference, the mistake that replaces it)
MISTAKES = [
    ("1.2", "    return grid.permute(1, 2, 0)\n", "    return grid  # forgot to move the channels last\n"),
    ("2.2", "        x = x.flatten(start_dim=-2)  # [..., 32, 32] -> [..., 1024]; any batch dims survive\n",
     "        x = x.view(-1)  # flattens the batch away too\n"),
    ("3.3", "            optimizer.zero_grad()\n", ""),
]
HEADER = '''"""{title}

Generated from reference/ by `python tools/examples.py`; do not edit by hand.
"""
'''


def split_imports(path: Path) -> tuple[list[str], str]:
    """A module's top-level imports (each as written, one or several lines) and the rest of its code,
    its docstring dropped."""
    text = path.read_text()
    tree = ast.parse(text)
    lines = text.splitlines()
    imports, spans = [], []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom) or (node is tree.body[0] and isinstance(node, ast.Expr)):
            spans.append(range(node.lineno - 1, node.end_lineno))
            if not isinstance(node, ast.Expr):
                imports.append("\n".join(lines[node.lineno - 1:node.end_lineno]))
    hidden = {n for span in spans for n in span}
    return imports, "\n".join(line for n, line in enumerate(lines) if n not in hidden).strip()


def correct_source() -> str:
    """The reference as one file: the handout's numbers (autograde.common.problemset) written out, since a
    submission imports nothing of the grader's."""
    imports: dict[str, None] = {}
    bodies = []
    for path in [PROBLEMSET, *PARTS]:
        found, body = split_imports(path)
        for statement in found:
            if not re.match(r"from (__future__|autograde\.common\.problemset) ", statement):
                imports.setdefault(statement)
        bodies.append(body)
    head = "from __future__ import annotations\n\n" + "\n".join(sorted(imports))
    return head + "\n\n\n" + "\n\n\n".join(bodies) + "\n"


def buggy_source(correct: str) -> str:
    for question, right, wrong in MISTAKES:
        correct = plant(correct, right, wrong, f"the {question} mistake")
    return correct


def sources() -> dict[str, str]:
    correct = correct_source()
    return {
        "correct.py": HEADER.format(title="An example submission that earns every point.") + correct,
        "buggy.py": HEADER.format(title="An example submission with three mistakes: questions 1.2, 2.2 and 3.3.")
        + buggy_source(correct),
    }


def main() -> int:
    for name, text in sources().items():
        (FOLDER / name).write_text(text)
        print(f"wrote {FOLDER / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
