"""A worker that may use CUDA has no address-space limit (CUDA would not start under one); its
resident memory is watched instead, and a worker over the limit is killed with the reason."""

from __future__ import annotations

import time

import pytest
import torch

from autograde.common.errors import ImplError
from autograde.spec.sandbox import SandboxImpl
from autograde.worker.isolation import GiB

HOG = '''
import time
import torch

class MLPNet(torch.nn.Module):
    def forward(self, x):
        hog = torch.ones(2 * 1024**3 // 4)  # 2 GiB, touched
        time.sleep(60)
        return hog[:10]
'''


def test_a_cuda_worker_over_its_memory_is_killed_with_the_reason(tmp_path):
    (tmp_path / "hog.py").write_text(HOG)
    impl = SandboxImpl(tmp_path / "hog.py", memory_bytes=GiB, timeout=60, cuda=True)
    try:
        start = time.monotonic()
        with pytest.raises(ImplError, match=r"used more than 1 GiB of memory while running forward on MLPNet"):
            impl.forward("MLPNet", torch.zeros(32, 32))
        assert time.monotonic() - start < 30, "the watch should stop the worker long before the call's timeout"
    finally:
        impl.close()
