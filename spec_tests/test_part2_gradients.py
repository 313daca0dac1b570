"""Question 2.1: what happens to a weight and its gradient during one SGD iteration.

The truth is the reference's ANSWERS; tests/test_reference_part2.py checks that they are what
torch does, measured live (since torch 2.0 zero_grad sets grads to None)."""

import pytest

from autograde.common.problemset import LIFECYCLE_STEPS
from autograde.spec.checks import answer


@pytest.mark.question("2.1")
@pytest.mark.parametrize("step", sorted(LIFECYCLE_STEPS))
def test_answer_matches_the_truth(impl, ref, step):
    key = f"2.1{step}"
    given = answer(impl, key)
    assert isinstance(given, tuple | list) and len(given) == 2 and all(isinstance(v, bool) for v in given), (
        f"ANSWERS[{key!r}] must be a pair of booleans (weight_unchanged, grad_exists), got {given!r}")
    truth = tuple(answer(ref, key))
    unchanged, grad = truth
    assert tuple(given) == truth, (
        f"ANSWERS[{key!r}] = {tuple(given)}, but {LIFECYCLE_STEPS[step]} the weight is "
        f"{'unchanged' if unchanged else 'changed'} and its .grad {'exists' if grad else 'is None'}: "
        f"expected {truth}")
