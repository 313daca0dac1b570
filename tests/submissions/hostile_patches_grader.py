"""Hostile: monkeypatches pytest and the grader's own modules inside the worker."""

import sys

import pytest
import torch

pytest.fail = lambda *args, **kwargs: None
for name, module in list(sys.modules.items()):
    if name.startswith("autograde") and hasattr(module, "encode"):
        module.encode = lambda value: ('{"ok": true, "value": true}', b"")
    if name.startswith("autograde") and hasattr(module, "PROBES"):
        for probe in module.PROBES:
            module.PROBES[probe] = lambda *args, **kwargs: True


class MLPNet(torch.nn.Module):
    """Right, but the patched probes answer `True` for it: the grader must not believe that."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(1024, 100), torch.nn.Linear(100, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x.flatten(-2))))
