"""The submission contract (docs/architecture.md): every name a submission must define.

The table is data, in `contract.toml`: it serves name resolution (what a missing-name message
lists), `pset3 template`, the reports, and the suggestions for a missing name (`autograde.worker.suggest`:
kinds, signatures and the no-argument models' parameter totals). Signatures and docs are written for
students.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ContractName:
    name: str
    part: int
    kind: str  # "class", "function" or "constant"
    signature: str
    doc: str
    parameters: int | None = None  # a no-argument model's parameter elements in all, where the handout fixes them


CONTRACT_FILE = Path(__file__).with_name("contract.toml")
CONTRACT: tuple[ContractName, ...] = tuple(ContractName(name, **entry)
                                           for name, entry in tomllib.loads(CONTRACT_FILE.read_text()).items())
CONTRACT_NAMES: frozenset[str] = frozenset(c.name for c in CONTRACT)
BY_NAME: dict[str, ContractName] = {c.name: c for c in CONTRACT}
