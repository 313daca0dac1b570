"""The grader's wire cannot be stalled or flooded from the worker's side: a frame over the size cap,
or one not all there by its deadline, breaks the worker, not the grader (autograde/wire/frames.py)."""

import struct

import torch

from autograde.spec.sandbox import MAX_ANSWER, SandboxImpl
from autograde.worker.execution import Budget

HONEST = '''
from torch import nn


class MLPNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(1024, 100), nn.Linear(100, 10)

    def forward(self, x):
        return self.fc2(self.fc1(x.flatten(-2)).relu())
'''
WRITE = ("import json, os, signal, sys, time\n"
         "if True:\n    os.write(json.loads(sys.argv[1])['answers_fd'], {header!r})\n    {then}\n")


def graded(tmp_path, header: bytes, then: str = "pass") -> tuple[torch.Tensor, str]:
    path = tmp_path / "wire.py"
    path.write_text(WRITE.format(header=header, then=then) + HONEST)
    impl = SandboxImpl(path, timeout=60, start_timeout=120, budget=Budget(2, 60))
    try:
        return impl.forward("MLPNet", torch.rand(32, 32)), "\n".join(impl.load_report())
    finally:
        impl.close()


def test_a_frame_announcing_more_than_the_cap_is_refused_unread(tmp_path):
    out, report = graded(tmp_path, struct.pack("!QQ", MAX_ANSWER + 1, 0))
    assert out.shape == (10,)  # the statement was skipped; the honest rest still earns
    assert f"over the cap of {MAX_ANSWER:,}" in report and "it wrote to the grader's wire" in report, report


def test_a_frame_that_stops_halfway_does_not_stall_the_grader(tmp_path):
    # Then it hangs where the grader's interrupt cannot reach it: no more frames come.
    hang = "signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM]); time.sleep(300)"
    out, report = graded(tmp_path, struct.pack("!QQ", 100, 0), then=hang)
    assert out.shape == (10,)
    assert "a frame stopped after 0 of its 100 bytes" in report, report


def test_each_worker_runs_as_a_user_of_its_own(tmp_path):
    """Per-user limits (RLIMIT_NPROC counts a user's processes machine-wide) and files are then one
    submission's: a submission holding hundreds of processes cannot starve a classmate's DataLoader."""
    import os

    from autograde.worker.isolation import SANDBOX_UIDS

    if os.geteuid() != 0:
        import pytest

        pytest.skip("the worker changes user only where the grader is root")
    (tmp_path / "who.py").write_text("import os\nUID = os.getuid()\n")
    workers = [SandboxImpl(tmp_path / "who.py", timeout=60, start_timeout=120) for _ in range(2)]
    try:
        for impl in workers:
            impl.spawn()  # both alive at once, as under pset3 grade --workers 2
        uids = [impl.value("UID") for impl in workers]
    finally:
        for impl in workers:
            impl.close()
    assert all(uid in SANDBOX_UIDS for uid in uids) and len(set(uids)) == 2, uids


RELAY = '''
import json, os, sys

if True:  # a relay takes the worker's answer pipe: it could rewrite every answer on its way
    answers = json.loads(sys.argv[1])["answers_fd"]
    original = os.dup(answers)  # a copy under another number: the worker's at-fork hook closes only its own
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.close(write_end)
        while chunk := os.read(read_end, 65536):
            os.write(original, chunk)  # forwarded as it is here; a real relay would rewrite frames
        os._exit(0)
    os.dup2(write_end, answers)
    os.close(original)
'''


def test_a_relay_that_takes_over_the_pipe_fails_the_submission_closed(tmp_path):
    import pytest

    from autograde.common.errors import Tampered

    path = tmp_path / "relay.py"
    path.write_text(RELAY + HONEST)
    impl = SandboxImpl(path, timeout=60, start_timeout=120)
    try:
        with pytest.raises(Tampered, match="held the grader's pipe, so it could rewrite the answers"):
            impl.forward("MLPNet", torch.rand(32, 32))
        with pytest.raises(Tampered):  # and nothing counts after that
            impl.parameters("MLPNet")
    finally:
        impl.close()
