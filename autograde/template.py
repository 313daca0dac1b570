"""`pset3 template DIR`: a skeleton submission with every contract name, its signature and its
docstring. Each body raises NotImplementedError, so the skeleton as written scores exactly 0."""

from __future__ import annotations

import textwrap
from pathlib import Path

from autograde.contract import CONTRACT, ContractName

HEADER = '''"""Problem set 3 submission. Fill in every definition; keep the names and signatures.

Check it locally with:  pset3 check {name}
"""

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
    chunks = [HEADER.format(name=filename)]
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
