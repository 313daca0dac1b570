"""Facts about torch and the reference's Part 2 that the spec relies on but never grades."""

import pytest
import torch
from torch import nn

from reference.part2 import ANSWERS, LIFECYCLE_STEPS, LeNetRBF, gradient_lifecycle


def test_the_2_1_answers_are_the_gradient_lifecycle_measured_on_this_torch():
    """The spec grades 2.1 against the reference's ANSWERS: they must be what torch does."""
    answered = {step: ANSWERS[f"2.1{step}"] for step in LIFECYCLE_STEPS}
    assert gradient_lifecycle() == answered, "torch's gradient lifecycle changed: update the reference ANSWERS"


def test_2_8_a_conv2_channel_mismatch_is_torchs_runtime_error():
    """Question 2.8 is shown on the reference (0 points): conv1 gives 6 channels, this conv2 takes 5."""
    net = LeNetRBF()
    net.conv2 = nn.Conv2d(5, 16, 5)
    with pytest.raises(RuntimeError, match=r"expected input\[1, 6, 14, 14\] to have 5 channels, but got 6 channels"):
        net(torch.rand(32, 32))
