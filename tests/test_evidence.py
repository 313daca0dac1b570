"""Evidence out of a line of Python's reach: the probe net's record of autograd and the tamper watch
itself cannot be rewritten or switched off by the submission in one line (autograde/worker/probes/loops.py,
autograde/worker/integrity.py)."""

import pytest
import torch

from autograde.common.errors import ImplError, Tampered
from autograde.spec.sandbox import SandboxImpl

REWRITES_THE_RECORD = '''
def evaluate(net, loader):
    correct = total = 0
    for images, labels in loader:  # no torch.no_grad(): autograd tracks every forward
        correct += int((net(images).argmax(1) == labels).sum())
        total += len(labels)
    net.tracked[:] = [False] * len(net.tracked)  # the record, rewritten
    return correct / total
'''


def sandboxed(tmp_path, source: str) -> SandboxImpl:
    (tmp_path / "sub.py").write_text(source)
    return SandboxImpl(tmp_path / "sub.py", timeout=60, start_timeout=120)


def test_the_probe_nets_record_cannot_be_rewritten_in_place(tmp_path):
    impl = sandboxed(tmp_path, REWRITES_THE_RECORD)
    try:
        with pytest.raises(ImplError, match="TypeError"):
            impl.evaluate("evaluate")
    finally:
        impl.close()
    honest = sandboxed(tmp_path, REWRITES_THE_RECORD.replace("    net.tracked[:] = [False] * len(net.tracked)", ""))
    try:
        assert all(honest.evaluate("evaluate")["grad_modes"])  # what the record says when left alone
    finally:
        honest.close()


@pytest.mark.parametrize(("switch_off", "found"), [
    ("integrity._WATCH.verify = lambda when: None", "torch.is_grad_enabled"),
    ("type(integrity._WATCH).verify.__code__ = (lambda self, when: None).__code__",
     "autograde.worker.integrity.Watch.verify.__code__"),
])
def test_switching_the_watch_off_is_itself_seen(tmp_path, switch_off, found):
    source = (f"import torch\nfrom autograde.worker import integrity\n{switch_off}\n"
              f"torch.is_grad_enabled = lambda: False\nANSWERS = {{}}\n")
    impl = sandboxed(tmp_path, source)
    try:
        with pytest.raises(Tampered, match=found.replace(".", r"\.")):
            impl.value("ANSWERS")
    finally:
        impl.close()
    assert torch.is_grad_enabled  # this process is untouched: the submission ran in the worker
