"""The sandboxed worker is forked from a clean grader, sharing its torch; from any other, it starts fresh."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SUBMISSION = Path(__file__).parent / "submissions" / "partial.py"


def test_the_pytest_plugin_loads_without_torch() -> None:
    """pytest imports the plugin before any hook runs; were torch (or the reference) imported with it,
    the grader would no longer be clean enough to fork its worker from."""
    code = ("import sys, autograde.spec.plugin; "
            "print(sorted(m for m in ('torch', 'torchvision', 'reference', 'spec_tests') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"importing autograde.spec.plugin imported {out.strip()}"


START = """
import sys
from autograde.spec.sandbox import SandboxImpl
if sys.argv[1] == "used":
    import torch
    torch.ones(100_000).sum()  # torch has computed: its thread pool would not survive a fork
impl = SandboxImpl(sys.argv[2])
impl.spawn()  # as the plugin does at configure, before anything imports torch
params = impl.parameters("MLPNet")
print(type(impl._proc).__name__, len(params), "torch" in sys.modules)
impl.close()
"""


def start(state: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", START, state, str(SUBMISSION)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def printed(proc: subprocess.Popen) -> list[str]:
    out = proc.communicate(timeout=300)[0]
    assert proc.returncode == 0, out
    return out.split()


def test_a_clean_grader_forks_its_worker_and_one_that_used_torch_starts_it_fresh() -> None:
    clean, used = start("clean"), start("used")  # side by side: each mostly waits on its imports
    forked, fresh = printed(clean), printed(used)
    assert forked == ["ForkedWorker", "4", "True"], forked  # the grader imported torch for it, to share
    assert fresh == ["Popen", "4", "True"], fresh
