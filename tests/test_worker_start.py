"""The sandboxed worker is forked from a clean grader, sharing its torch; from any other, it starts fresh."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SUBMISSION = Path(__file__).parent / "submissions" / "partial.py"


def test_the_pytest_plugin_loads_without_torch() -> None:
    """pytest imports the plugin before any hook runs; were torch (or the reference) imported with it,
    the grader would no longer be clean enough to fork its worker from."""
    code = ("import sys, autograde.plugin; "
            "print(sorted(m for m in ('torch', 'torchvision', 'reference', 'spec_tests') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"importing autograde.plugin imported {out.strip()}"


START = """
import sys
from autograde.sandbox import SandboxImpl
if sys.argv[1] == "used":
    import torch
    torch.ones(100_000).sum()  # torch has computed: its thread pool would not survive a fork
impl = SandboxImpl(sys.argv[2])
impl.spawn()  # as the plugin does at configure, before anything imports torch
params = impl.parameters("MLPNet")
print(type(impl._proc).__name__, len(params), "torch" in sys.modules)
impl.close()
"""


def start(state: str) -> list[str]:
    run = subprocess.run([sys.executable, "-c", START, state, str(SUBMISSION)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout.split()


def test_a_clean_grader_forks_its_worker_and_one_that_used_torch_starts_it_fresh() -> None:
    forked, fresh = start("clean"), start("used")
    assert forked == ["ForkedWorker", "4", "True"], forked  # the grader imported torch for it, to share
    assert fresh == ["Popen", "4", "True"], fresh
