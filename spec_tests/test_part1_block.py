"""Questions 1.3 and 1.4: the attention block's layers, and the pre-LayerNorm block itself."""

from functools import partial

import pytest
import torch

from autograde.common.errors import ImplError, ObservationError
from autograde.spec.checks import assert_close, assert_shape, module_paths, rand

E, HIDDEN, HEADS = 16, 32, 2
KINDS = ("Linear", "GELU", "Dropout", "LayerNorm", "MultiheadAttention")
# Reference tensors that, set to zero, leave only the block's residual path.
LAST_LAYERS = ("attn.out_proj.weight", "attn.out_proj.bias", "linear.3.weight", "linear.3.bias")


def block(p=0.0):
    return (E, HIDDEN, HEADS, p)


def slopes_at_zero(out, h):
    return ((out[2] - out[1]) / h).item(), ((out[1] - out[0]) / h).item()


def tokens():
    """Sequence-first [T=5, B=2, E] input in [-1, 3)."""
    return rand(5, 2, E) * 4 - 1


def check_linear(state, impl, path, init):
    assert {f"{path}.weight", f"{path}.bias"} <= set(state), f"{path} has no weight and bias for x W^T + b"
    weight, bias = state[f"{path}.weight"], state[f"{path}.bias"]
    inp = rand(3, weight.shape[1])
    out = impl.forward("AttentionBlock", inp, init=init, module=path)
    assert torch.allclose(out, inp @ weight.T + bias, atol=1e-5), f"{path} does not compute x W^T + b"


def check_gelu(impl, path, init, h=1e-3):
    out = impl.forward("AttentionBlock", torch.tensor([-h, 0.0, h]), init=init, module=path)
    left, right = slopes_at_zero(out, h)
    assert abs(left - 0.5) < 1e-2 and abs(right - 0.5) < 1e-2, (
        f"{path} has slopes {left:.3f} and {right:.3f} either side of 0; GELU is smooth there (0.5 both sides)")


def check_layernorm(impl, path, init):
    out = impl.forward("AttentionBlock", tokens(), init=init, module=path)
    mean, var = out.mean(-1), out.var(-1, unbiased=False)
    assert mean.abs().max() < 1e-4 and (var - 1).abs().max() < 1e-3, (
        f"{path} does not give each token mean 0 and variance 1 (before its affine map)")


def check_attention(impl, path, init):
    x = tokens()
    out = impl.forward("AttentionBlock", x, x, x, init=init, module=path)
    assert isinstance(out, tuple) and len(out) == 2, f"{path}(x, x, x) should return (output, weights)"
    assert_shape(out[0], (5, 2, E), f"{path} on sequence-first [T=5, B=2, E] input")
    assert_shape(out[1], (2, 5, 5), f"{path}'s attention weights for [T=5, B=2, E] input")
    assert torch.allclose(out[1].sum(-1), torch.ones(2, 5), atol=1e-5), f"{path}'s attention rows must sum to 1"


def kind_problems(impl, init):
    """Everything wrong with the block's layer kinds, so that one kind's mistake hides no other's."""
    found = {kind: module_paths(impl, "AttentionBlock", kind, init) for kind in KINDS}
    absent = [k for k, paths in found.items() if not paths]
    problems = [f"AttentionBlock holds no nn.{', nn.'.join(absent)} module; its layers are {found}"] if absent else []
    # How each kind behaves as answered; Dropout's behaviour has its own test below.
    behaviour = {"Linear": partial(check_linear, impl.state("AttentionBlock", init=init)), "GELU": check_gelu,
                 "LayerNorm": check_layernorm, "MultiheadAttention": check_attention}
    for kind, check in behaviour.items():
        for path in found[kind]:
            try:
                check(impl, path, init)
            except (AssertionError, ImplError, ObservationError) as e:
                problems.append(str(e).split("\nassert ", 1)[0])
    return problems


@pytest.mark.question("1.3")
def test_block_holds_the_five_layer_kinds_and_each_behaves_as_answered(impl):
    # One test for every kind, reporting each problem: a test per kind would change 1.3's partial grades,
    # and each would need a mutant of its own to prove it (tests/test_kill_matrix.py).
    problems = kind_problems(impl, block())
    assert not problems, "\n".join(problems)


@pytest.mark.question("1.3")
def test_dropout_zeroes_and_rescales_in_train_mode_and_is_identity_in_eval(impl):
    p, init = 0.25, block(0.25)
    paths = module_paths(impl, "AttentionBlock", "Dropout", init)
    assert paths, "AttentionBlock(..., dropout=0.25) holds no nn.Dropout"
    ones = torch.ones(200_000)
    for path in paths:
        out = impl.forward("AttentionBlock", ones, init=init, module=path, mode="train", seed=3)
        zeroed = (out == 0).float().mean().item()
        assert abs(zeroed - p) < 0.01, f"{path} in train mode zeroes {zeroed:.3f} of its input, expected p = {p}"
        kept = out[out != 0]
        assert torch.allclose(kept, torch.full_like(kept, 1 / (1 - p))), f"{path} must scale survivors by 1/(1-p)"
        same = impl.forward("AttentionBlock", ones, init=init, module=path, mode="eval")
        assert torch.equal(same, ones), f"{path} in eval mode must be the identity"


@pytest.mark.question("1.4")
def test_block_keeps_the_sequence_first_shape(impl):
    assert_shape(impl.forward("AttentionBlock", rand(7, 3, E), init=block()), (7, 3, E),
                 "AttentionBlock on [T=7, B=3, E] input")


@pytest.mark.question("1.4")
def test_block_is_residual(impl, ref):
    weights = ref.state("AttentionBlock", init=block())
    for name in LAST_LAYERS:
        weights[name] = torch.zeros_like(weights[name])
    x = rand(7, 3, E)
    assert_close(impl.forward("AttentionBlock", x, init=block(), weights=weights), x,
                 "AttentionBlock with its attention output projection and last MLP layer zeroed (only the "
                 "residual connections left, so block(x) must equal x)")


@pytest.mark.question("1.4")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_block_computes_the_reference_with_its_weights(impl, ref, seed):
    weights = ref.state("AttentionBlock", init=block(), seed=seed)
    x = rand(7, 3, E, seed=seed) * 2
    assert_close(impl.forward("AttentionBlock", x, init=block(), weights=weights),
                 ref.forward("AttentionBlock", x, init=block(), weights=weights),
                 "AttentionBlock (pre-LayerNorm) with the reference's weights")
