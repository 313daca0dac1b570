"""`pset3 template DIR`: a skeleton submission with every contract name, its signature and its
docstring. Each body raises NotImplementedError, so the skeleton as written scores exactly 0."""

from __future__ import annotations

import textwrap
from pathlib import Path

from autograde.common.contract import CONTRACT, ContractName
from autograde.worker.execution import LOAD_TIMEOUT, STATEMENT_TIMEOUT

HEADER = '''"""Problem set 3 submission. Fill in every definition; keep the names and signatures.

Check it locally with:  pset3 check {name}

How the grader loads this file (a .py file or a notebook alike): every top-level statement runs, in
order, with no network, an empty working folder and no data; the grader passes the CIFAR-10 root to
your functions as `root`. A statement that fails is skipped and reported, and the next one still
runs. Each statement may run for {statement:g} s and the whole file for {load:g} s (after that only
definitions run); longer ones are interrupted and skipped. Magics, shell lines and
`if __name__ == "__main__":` blocks never run: keep downloads and training calls there.
"""

# Either Lightning spelling is accepted: `import pytorch_lightning as pl` with `pl.LightningModule`,
# or Lightning 2.x's `import lightning as L` with `L.LightningModule`.
import pytorch_lightning as pl
import torch
from torch import nn
'''
BASES = {"ViT": "pl.LightningModule"}
PARTS = {1: "Part 1: the Vision Transformer with Lightning", 2: "Part 2: PyTorch fundamentals",
         3: "Part 3: training a classifier"}


def _parameters(signature: str) -> str:
    inner = signature.strip()[1:-1].strip()
    return f"self, {inner}" if inner else "self"


def _doc(text: str, indent: str) -> str:
    wrapped = textwrap.fill(text, width=96 - len(indent), subsequent_indent=indent)
    return f'{indent}"""{wrapped}"""\n'


def _definition(c: ContractName) -> str:
    if c.kind == "constant":
        keys = [f"2.1{s}" for s in "abcde"] + ["2.4", "2.5"]
        entries = "".join(f'    "{k}": None,\n' for k in keys)
        return f"# {c.doc}\nANSWERS = {{\n{entries}}}\n"
    if c.kind == "function":
        return f"def {c.name}{c.signature}:\n{_doc(c.doc, '    ')}    raise NotImplementedError\n"
    base = BASES.get(c.name, "nn.Module")
    return (f"class {c.name}({base}):\n{_doc(c.doc, '    ')}\n"
            f"    def __init__({_parameters(c.signature)}):\n        super().__init__()\n"
            f"        raise NotImplementedError\n\n"
            f"    def forward(self, x):\n        raise NotImplementedError\n")


def render(filename: str = "submission.py") -> str:
    chunks = [HEADER.format(name=filename, statement=STATEMENT_TIMEOUT, load=LOAD_TIMEOUT)]
    for part, title in PARTS.items():
        chunks.append(f"\n# {'-' * 20} {title} {'-' * 20}\n")
        chunks.extend("\n\n" + _definition(c) for c in CONTRACT if c.part == part)
    return "".join(chunks)


def write(folder: Path, filename: str = "submission.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    if path.exists():
        raise FileExistsError(f"{path} exists; choose another folder")
    path.write_text(render(filename))
    return path
