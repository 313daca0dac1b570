"""Questions 2.2-2.5: the two-layer perceptron `MLPNet` and its parameters."""

import math

import pytest

from autograde.checks import answer, assert_close, assert_shape, rand

SEEDS = [0, 1, 2]


@pytest.mark.question("2.2")
def test_image_gives_10_outputs(impl):
    assert_shape(impl.forward("MLPNet", rand(32, 32)), (10,), "MLPNet()(x) for x of shape [32, 32]")


@pytest.mark.question("2.2")
def test_batch_gives_10_outputs_each(impl):
    out = impl.forward("MLPNet", rand(5, 32, 32))
    assert_shape(out, (5, 10), "MLPNet()(x) for a batch x of shape [5, 32, 32] (flatten the image, not the batch)")


@pytest.mark.question("2.3")
@pytest.mark.parametrize("seed", SEEDS)
def test_computes_the_reference_with_its_weights(impl, ref, seed):
    weights = ref.state("MLPNet", seed=seed)
    x = rand(32, 32, seed=seed)
    expected = ref.forward("MLPNet", x, weights=weights)
    observed = impl.forward("MLPNet", x, weights=weights)
    assert_close(observed, expected, "MLPNet with the reference's weights", match_shape=False)  # shape is 2.2


@pytest.mark.question("2.4")
def test_answer_counts_parameter_tensors(impl, ref):
    given = answer(impl, "2.4")
    truth = len(ref.parameters("MLPNet"))
    assert given == truth and isinstance(given, int), f'ANSWERS["2.4"] = {given!r}, expected {truth}'


@pytest.mark.question("2.4")
def test_has_4_trainable_parameter_tensors(impl):
    params = impl.parameters("MLPNet")
    listing = [(p.name, list(p.shape)) for p in params]
    assert len(params) == 4, (
        f"MLPNet has {len(params)} parameter tensors, expected 4 (two weights, two biases): {listing}")
    assert all(p.requires_grad for p in params), f"every MLPNet parameter must require grad: {params}"


@pytest.mark.question("2.5")
def test_answer_is_the_third_tensor_shape(impl, ref):
    given = answer(impl, "2.5")
    truth = ref.parameters("MLPNet")[2].shape
    assert isinstance(given, tuple | list) and tuple(given) == truth, f'ANSWERS["2.5"] = {given!r}, expected {truth}'


@pytest.mark.question("2.5")
def test_third_tensor_is_the_10x100_weight_of_103510_parameters(impl):
    params = impl.parameters("MLPNet")
    total = sum(math.prod(p.shape) for p in params)
    assert total == 103_510, f"MLPNet has {total:,} parameters, expected 103,510 = 1024*100 + 100 + 100*10 + 10"
    assert len(params) >= 3, f"MLPNet has only {len(params)} parameter tensors"
    assert params[2].shape == (10, 100), (
        f"MLPNet's third parameter tensor is {params[2].name} of shape {list(params[2].shape)}, expected [10, 100] "
        f"(register the layers in the order the data flows through them)")
