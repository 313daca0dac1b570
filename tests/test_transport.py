"""The codec observations cross: structure survives, tensors are copies, nothing else passes."""

import math

import pytest
import torch

from autograde.errors import ObservationError
from autograde.transport import roundtrip


def test_structure_and_types_survive():
    value = {"a": (True, False), "n": 4, "shape": torch.Size([10, 100]), "xs": [1.5, None, "s"], 3: "int key"}
    back = roundtrip(value)
    assert back == {"a": (True, False), "n": 4, "shape": (10, 100), "xs": [1.5, None, "s"], 3: "int key"}
    assert isinstance(back["a"], tuple) and isinstance(back["shape"], tuple)
    assert list(back) == list(value)


def test_non_finite_floats_survive():
    back = roundtrip([math.inf, -math.inf, math.nan])
    assert back[0] == math.inf and back[1] == -math.inf and math.isnan(back[2])


def test_tensors_come_back_as_independent_cpu_copies():
    t = torch.arange(6.0).reshape(2, 3).t()  # not contiguous
    back = roundtrip({"t": t, "same": t})
    assert torch.equal(back["t"], t) and back["t"].dtype == t.dtype
    back["t"].zero_()
    assert t.sum() == 15


@pytest.mark.parametrize("bad", [object(), torch.nn.Linear(1, 1), {1, 2}, b"bytes"])
def test_anything_else_is_refused_with_its_type(bad):
    with pytest.raises(ObservationError, match=f"is a {type(bad).__name__}, which is not plain data"):
        roundtrip({"k": [bad]})
