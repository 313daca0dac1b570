"""Questions 2.6-2.8: LeNet with Gaussian connections, and the same net as nn.Sequential."""

import math

import pytest
import torch
from torch import nn

from autograde.checks import assert_close, assert_shape, rand
from reference.part2 import LeNetRBF

SEEDS = [0, 1, 2]
INPUTS = {"image": (32, 32), "batch": (4, 1, 32, 32)}


@pytest.mark.question("2.6")
@pytest.mark.parametrize(("shape", "expected"), [((32, 32), (10,)), ((3, 1, 32, 32), (3, 10))], ids=["image", "batch"])
def test_rbf_output_shape(impl, shape, expected):
    assert_shape(impl.forward("LeNetRBF", rand(*shape)), expected, f"LeNetRBF()(x) for x of shape {list(shape)}")


@pytest.mark.question("2.6")
@pytest.mark.parametrize("seed", SEEDS)
def test_rbf_outputs_are_sums_of_squares(impl, seed):
    out = assert_shape(impl.forward("LeNetRBF", rand(8, 1, 32, 32, seed=seed), seed=seed), (8, 10), "LeNetRBF")
    assert (out >= 0).all(), (
        f"LeNetRBF gave negative outputs (min {out.min().item():.4g}); Gaussian connections sum squares (x_j - w_ij)^2")


@pytest.mark.question("2.6")
def test_rbf_has_9_learnable_tensors_of_61696_parameters(impl):
    params = impl.parameters("LeNetRBF")
    listing = [(p.name, list(p.shape)) for p in params]
    assert len(params) == 9, (
        f"LeNetRBF has {len(params)} parameter tensors, expected 9 (4 layers x 2 + the [10, 84] centres): {listing}")
    total = sum(math.prod(p.shape) for p in params)
    assert total == 61_696, f"LeNetRBF has {total:,} parameters, expected 61,696: {listing}"


@pytest.mark.question("2.6")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", sorted(INPUTS))
def test_rbf_computes_the_reference_with_its_weights(impl, ref, seed, kind):
    weights = ref.state("LeNetRBF", seed=seed)
    x = rand(*INPUTS[kind], seed=seed)
    assert_close(impl.forward("LeNetRBF", x, weights=weights), ref.forward("LeNetRBF", x, weights=weights),
                 "LeNetRBF with the reference's weights")


@pytest.mark.question("2.7")
def test_sequential_uses_nn_sequential(impl):
    kinds = impl.modules("LeNetSequential")
    assert any(m.torch_base == "Sequential" for m in kinds), (
        f"LeNetSequential holds no nn.Sequential; its modules are {[(m.path or '<root>', m.type) for m in kinds]}")


@pytest.mark.question("2.7")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", sorted(INPUTS))
def test_sequential_computes_the_reference_lenet(impl, ref, seed, kind):
    weights = ref.state("LeNetRBF", seed=seed)
    x = rand(*INPUTS[kind], seed=seed)
    assert_close(impl.forward("LeNetSequential", x, weights=weights), ref.forward("LeNetRBF", x, weights=weights),
                 "LeNetSequential with the reference LeNetRBF's weights")


@pytest.mark.question("2.8")
@pytest.mark.reference_only
def test_conv2_channel_mismatch_is_torchs_runtime_error():
    net = LeNetRBF()
    net.conv2 = nn.Conv2d(5, 16, 5)  # conv1 gives 6 channels
    with pytest.raises(RuntimeError, match=r"expected input\[1, 6, 14, 14\] to have 5 channels, but got 6 channels"):
        net(torch.rand(32, 32))
