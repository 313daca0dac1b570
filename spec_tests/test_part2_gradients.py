"""Question 2.1: what happens to a weight and its gradient during one SGD iteration."""

import pytest

from autograde.checks import answer
from reference.part2 import LIFECYCLE_STEPS, gradient_lifecycle

# (weight unchanged since creation, .grad exists). Since torch 2.0 zero_grad sets grads to None.
DOCUMENTED = {"a": (True, False), "b": (True, False), "c": (True, False), "d": (True, True), "e": (False, True)}


@pytest.fixture(scope="module")
def measured() -> dict[str, tuple[bool, bool]]:
    """The truth, measured live on this torch by the trusted reference."""
    return gradient_lifecycle()


@pytest.mark.question("2.1")
@pytest.mark.parametrize("step", sorted(LIFECYCLE_STEPS))
def test_answer_matches_measured_truth(impl, measured, step):
    key = f"2.1{step}"
    given = answer(impl, key)
    assert isinstance(given, tuple | list) and len(given) == 2 and all(isinstance(v, bool) for v in given), (
        f"ANSWERS[{key!r}] must be a pair of booleans (weight_unchanged, grad_exists), got {given!r}")
    unchanged, grad = measured[step]
    assert tuple(given) == measured[step], (
        f"ANSWERS[{key!r}] = {tuple(given)}, but {LIFECYCLE_STEPS[step]} the weight is "
        f"{'unchanged' if unchanged else 'changed'} and its .grad {'exists' if grad else 'is None'}: "
        f"expected {measured[step]}")


@pytest.mark.question("2.1")
@pytest.mark.reference_only
def test_measured_truth_is_the_documented_table(measured):
    assert measured == DOCUMENTED, "torch's gradient lifecycle changed: update DOCUMENTED and the reference ANSWERS"
