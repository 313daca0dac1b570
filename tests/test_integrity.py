"""The worker's tamper check (autograde.worker.integrity), in this process: each replacement a submission
could make is found, named with where it was written, and put back; honest runs find nothing."""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable

import pytest
import torch
from torch import nn

import autograde.worker.serve
from autograde.common.errors import Tampered
from autograde.worker.integrity import Watch
from autograde.worker.probes import PROBES


def _forged(*args, **kwargs):
    return False


class _Mode(torch.overrides.TorchFunctionMode):
    pass


def _set(owner: object, name: str, value: object) -> Callable[[], None]:
    return lambda: setattr(owner, name, value)


# (what the message names, the replacement to make); each is undone by the watch itself.
ATTACKS: dict[str, Callable[[], None]] = {
    "torch.is_grad_enabled": _set(torch, "is_grad_enabled", _forged),
    "torch.no_grad": _set(torch, "no_grad", _forged),
    "torch.autograd.grad_mode.no_grad.__enter__": _set(torch.autograd.grad_mode.no_grad, "__enter__", _forged),
    "torch.nn.modules.module.Module.__call__": _set(nn.Module, "__call__", _forged),
    "torch.Tensor.item": _set(torch.Tensor, "item", _forged),  # shadows TensorBase's: a new entry
    "builtins.isinstance": _set(builtins, "isinstance", _forged),
    "builtins.float": _set(builtins, "float", _forged),
    "torch.nn.functional.linear": _set(torch.nn.functional, "linear", _forged),
    "torch.utils.data.dataloader.DataLoader.__iter__": _set(torch.utils.data.DataLoader, "__iter__", _forged),
    "autograde.worker.probes.PROBES['evaluate']": lambda: PROBES.__setitem__("evaluate", _forged),
    "autograde.worker.serve.write_frame": _set(autograde.worker.serve, "write_frame", _forged),
    "sys.setprofile": lambda: sys.setprofile(_forged),
    "a torch function mode": lambda: _Mode().__enter__(),
    "a global module hook (global_forward_hooks)": lambda: nn.modules.module.register_module_forward_hook(_forged),
}


@pytest.fixture(scope="module")
def watch() -> Watch:
    return Watch().record()


def _found(watch: Watch, when: str = "while testing") -> str:
    """What verify says, right after the replacement: nothing of pytest's (which a replaced builtin
    would break) may run in between."""
    try:
        watch.verify(when)
    except Tampered as exc:
        return exc.message
    return ""


@pytest.mark.parametrize("what", ATTACKS)
def test_a_replacement_is_named_with_its_line_and_put_back(watch, what):
    ATTACKS[what]()
    message = _found(watch)
    line = _forged.__code__.co_firstlineno
    expected = what if what.startswith("a ") else f"{what} (test_integrity.py line {line})"
    assert f"the submission replaced {expected}" in message, message
    assert message.endswith("while testing")
    watch.verify("after it was put back")  # nothing left to find: everything is as recorded again
    assert torch.is_grad_enabled is torch._C.is_grad_enabled and builtins.isinstance.__module__ == "builtins"


def test_an_honest_run_finds_nothing(watch):
    model = nn.Sequential(nn.Linear(4, 2))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(8, 4)), batch_size=4)
    with torch.no_grad():
        outs = [model(x) for (x,) in loader]
    assert len(outs) == 2
    watch.verify("after an honest run")


def test_putting_back_an_inherited_method_as_an_own_entry_changes_nothing():
    """What Lightning does to DataLoader's dunders after a fit: the same function, now in the class's own
    dict. It is watched from then on."""
    loader = torch.utils.data.DataLoader
    before = vars(loader).get("__delattr__")  # a fit earlier in this process may have left it there already
    if before is not None:
        del loader.__delattr__
    watch = Watch().record()
    loader.__delattr__ = object.__delattr__
    try:
        watch.verify("after Lightning's fit")
        loader.__delattr__ = _forged
        assert "DataLoader.__delattr__ (test_integrity.py" in _found(watch)
    finally:
        if before is None:
            del loader.__delattr__
        else:
            loader.__delattr__ = before


def test_many_replacements_are_summarised(watch):
    for name in ("relu", "sigmoid", "tanh", "softmax"):
        setattr(torch, name, _forged)
    message = _found(watch)
    assert "torch.relu (" in message and message.endswith("and 1 more while testing"), message
