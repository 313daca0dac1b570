"""Questions 2.4 and 2.5: MLPNet's answers about its own parameters. Its shapes, parameter counts and
outputs (2.2-2.5) are tested with the other models' in test_models.py."""

import pytest

from autograde.spec.checks import answer


@pytest.mark.question("2.4")
def test_answer_counts_parameter_tensors(impl, ref):
    given = answer(impl, "2.4")
    truth = len(ref.parameters("MLPNet"))
    assert given == truth and isinstance(given, int), f'ANSWERS["2.4"] = {given!r}, expected {truth}'


@pytest.mark.question("2.5")
def test_answer_is_the_third_tensor_shape(impl, ref):
    given = answer(impl, "2.5")
    truth = ref.parameters("MLPNet")[2].shape
    assert isinstance(given, tuple | list) and tuple(given) == truth, f'ANSWERS["2.5"] = {given!r}, expected {truth}'
