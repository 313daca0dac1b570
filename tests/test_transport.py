"""The codec observations cross: structure survives, tensors are copies, nothing else passes."""

import math

import pytest
import torch

from autograde.common.errors import ObservationError
from autograde.wire.transport import plain_number, roundtrip, type_name


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
    back = roundtrip({"t": t, "same": t})  # one tensor sent twice
    assert torch.equal(back["t"], t) and torch.equal(back["same"], t) and back["t"].dtype == t.dtype
    back["t"].zero_()
    assert t.sum() == 15 and back["same"].sum() == 15  # neither the original nor the other copy changed


@pytest.mark.parametrize("bad", [object(), torch.nn.Linear(1, 1), {1, 2}, b"bytes"])
def test_anything_else_is_refused_with_its_type(bad):
    with pytest.raises(ObservationError, match=f"is a {type(bad).__name__}, which is not plain data"):
        roundtrip({"k": [bad]})


class LyingFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __float__(self):
        return 0.5

    def __repr__(self):
        return "0.5"


class LyingList(list):
    def __iter__(self):
        return iter([1.0])


class LyingDict(dict):
    def items(self):
        return [("forged", True)]


class LyingTensor(torch.Tensor):
    """Every method a reader might use lies, and so does __torch_function__."""

    def detach(self):
        return torch.ones(3)

    def clone(self):
        return torch.ones(3)

    def item(self):
        return 0.5

    def __eq__(self, other):
        return True

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return torch.ones(3)


class DispatchTensor(torch.Tensor):
    """No data of its own: whatever __torch_dispatch__ says."""

    @staticmethod
    def __new__(cls, shape):
        return torch.Tensor._make_wrapper_subclass(cls, shape, dtype=torch.float32)

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        return torch.ones(3)


def test_subclasses_of_built_in_types_arrive_as_the_plain_values_they_hold():
    value = roundtrip({"f": LyingFloat(53.0), "xs": LyingList([7.0, 8.0]), "d": LyingDict(honest=1)})
    assert type(value["f"]) is float and value["f"] == 53.0 and value["f"] != 0.5
    assert value["xs"] == [7.0, 8.0] and value["d"] == {"honest": 1}


def test_a_tensor_subclass_arrives_as_its_own_data_read_by_torch():
    back = roundtrip(torch.tensor([2.0, 3.0, 4.0]).as_subclass(LyingTensor))
    assert type(back) is torch.Tensor and back.tolist() == [2.0, 3.0, 4.0]


def test_a_tensor_with_its_own_dispatch_is_refused():
    with pytest.raises(ObservationError, match="has its own __torch_dispatch__"):
        roundtrip(DispatchTensor((3,)))


@pytest.mark.parametrize(("value", "name", "number"), [
    (0.25, "float", 0.25), (3, "int", 3.0), (True, "bool", None), (torch.tensor(0.5), "Tensor", 0.5),
    (LyingFloat(53.0), "LyingFloat (a subclass of float)", 53.0),
    (torch.tensor([9.0]).as_subclass(LyingTensor), "LyingTensor (a subclass of Tensor)", 9.0),
    (torch.ones(2), "Tensor", None), ("0.5", "str", None),
])
def test_numbers_and_type_names_are_read_honestly(value, name, number):
    assert type_name(value) == name
    assert plain_number(value) == number
