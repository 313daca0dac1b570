"""pytest's JUnit XML, read back: each test case's id, outcome and recorded properties. The kill
matrix reads outcomes from it; tools/gpu_report.py reads the GPU tier's figures. Standard library
only, so a report can be read on any machine."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

OUTCOME_TAGS = ("failure", "error", "skipped")


class Case(NamedTuple):
    id: str  # module::test[params]
    outcome: str  # "passed", "failure", "error" or "skipped"
    properties: dict[str, str]


def read_cases(junit: Path) -> list[Case]:
    """Every test case in the file, in order (ET.ParseError when it is not XML)."""
    cases = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome = next((tag for tag in OUTCOME_TAGS if case.find(tag) is not None), "passed")
        properties = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        cases.append(Case(f"{case.get('classname')}::{case.get('name')}", outcome, properties))
    return cases
