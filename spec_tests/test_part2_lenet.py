"""Questions 2.6 and 2.7: what only LeNet's two forms have (Gaussian connections, nn.Sequential). Their
shapes, parameter counts and outputs are tested with the other models' in test_models.py; 2.8, shown on
the reference, in tests/test_reference_part2.py."""

import pytest

from autograde.spec.checks import assert_shape, rand


@pytest.mark.question("2.6")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rbf_outputs_are_sums_of_squares(impl, seed):
    out = assert_shape(impl.forward("LeNetRBF", rand(8, 1, 32, 32, seed=seed), seed=seed), (8, 10), "LeNetRBF")
    assert (out >= 0).all(), (
        f"LeNetRBF gave negative outputs (min {out.min().item():.4g}); Gaussian connections sum squares (x_j - w_ij)^2")


@pytest.mark.question("2.7")
def test_sequential_uses_nn_sequential(impl):
    kinds = impl.modules("LeNetSequential")
    assert any(m.torch_base == "Sequential" for m in kinds), (
        f"LeNetSequential holds no nn.Sequential; its modules are {[(m.path or '<root>', m.type) for m in kinds]}")
