"""The sandboxed worker starts before the grader imports torch, so their imports overlap."""

from __future__ import annotations

import subprocess
import sys


def test_the_pytest_plugin_loads_without_torch() -> None:
    """pytest imports the plugin before any hook runs; were torch imported with it, the worker
    (spawned at configure) would start only after 1.5 s of the grader's own imports."""
    code = "import sys, autograde.plugin; print(sorted(m for m in ('torch', 'torchvision') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"importing autograde.plugin imported {out.strip()}"
