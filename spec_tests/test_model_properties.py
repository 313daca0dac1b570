"""The properties the field's model tests check (torchvision's and timm's test_models.py, PyTorch's
OpInfo tests), one parametrised test per property over one table of every contract model. The
rubric's [properties] table says which question each property of each model counts toward.

- every parameter learns: one forward and backward on a loss that depends on every output gives
  each trainable parameter a gradient that is not None and not all zeros (timm);
- any batch size: batches of 1, 2 and an odd size drawn from the grading seed give the reference's
  output shapes (and, where that question grades values, its outputs); each item of a batch gives
  what it gives alone, in eval mode (torchvision); an unbatched input, where the contract takes one,
  gives what its batch of one gives;
- dropout follows the mode: with dropout > 0, two eval-mode passes agree and two train-mode passes differ,
  and every nn.Dropout the model holds drops with the p it was given (its blocks' too);
- non-contiguous input: the attention block gets its input as the ViT hands it over, a transposed
  view, and computes what it computes on a contiguous copy. The image models are not held to a
  permuted or channels_last input: after a convolution, the PyTorch tutorial's `x.view(-1, 16 * 5 * 5)`
  is correct code that cannot take one, and their first layer takes any layout;
- other sizes: constructor sizes beyond the ones the handout uses, drawn from the grading seed,
  with the reference's weights, compute what the reference computes.

Inputs are float32, as the contract says: a float64 input to a float32 model is outside it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
import torch

from autograde.common.problemset import SMALL_CONFIG, TINY_CONFIG, UVA_LR
from autograde.spec.checks import assert_close, assert_shape, choose, module_paths, rand

Shape = tuple[int, ...]


class Subject(NamedTuple):
    """A contract model, as the properties see it."""

    name: str
    item: Shape  # one item's input shape, without the batch dimension
    init: Any = ()
    batch_dim: int = 0  # where the batch dimension goes, in the input and in the output
    unbatched: Shape | None = None  # the input shape of one unbatched item, where the contract takes one
    values: bool = True  # the batch sizes' outputs are compared with the reference's (else another question's)
    dropout: Any = None  # constructor arguments with dropout > 0, where the contract gives the model dropout
    zero: tuple[str, ...] = ()  # tensors zeroed on both sides of a comparison: their shape is another question's
    hint: str = ""  # the likely mistake when a batch comes out in the wrong shape
    # A wrapper of another contract model: only a parameter its forward never uses is its own mistake (a
    # gradient of zeros comes from the wrapped model's numerics, which that model's question grades).
    wraps: bool = False


BLOCK = (16, 32, 2)
SMALL = {**SMALL_CONFIG, "dropout": 0.0}
SUBJECTS = [
    # MLPNet's values are 2.3's, its batches 2.2's: here its batches are compared with its items alone.
    Subject("MLPNet", (32, 32), unbatched=(32, 32), values=False,
            hint="keep the batch dimension: flatten each image, not the batch, and never squeeze it away"),
    Subject("LeNetRBF", (1, 32, 32), unbatched=(32, 32)),
    Subject("LeNetSequential", (1, 32, 32), unbatched=(32, 32)),
    Subject("CifarNet", (3, 32, 32)),
    Subject("AttentionBlock", (5, 16), BLOCK, batch_dim=1, dropout=(*BLOCK, 0.5)),
    # The positional embedding's shape is 1.5's: zeroed here, as in 1.6's own comparison.
    Subject("VisionTransformer", (3, 32, 32), SMALL, dropout={**SMALL_CONFIG, "dropout": 0.5},
            zero=("pos_embedding",)),
    Subject("ViT", (3, 32, 32), (TINY_CONFIG, UVA_LR), wraps=True),  # the LightningModule, through its model
]
BATCHED = [s for s in SUBJECTS if s.name != "ViT"]


def subjects(prop: str, table: list[Subject]) -> list[Any]:
    return [pytest.param(s, marks=pytest.mark.model_property(prop, s.name), id=s.name) for s in table]


def batch_of(subject: Subject, size: int, seed: int = 0) -> torch.Tensor:
    shape = list(subject.item)
    shape.insert(subject.batch_dim, size)
    return rand(*shape, seed=seed) * 2 - 1


def odd_batch_size() -> int:
    """3, 5 or 7, from the grading seed."""
    return choose((3, 5, 7), seed=5)


@pytest.mark.parametrize("subject", subjects("every_parameter_learns", SUBJECTS))
def test_every_parameter_learns(impl, subject):
    # Unbatched where the contract takes one: a model's batches are another question's for MLPNet (2.2).
    x = rand(*subject.unbatched) * 2 - 1 if subject.unbatched else batch_of(subject, 3)
    seen = impl.gradients(subject.name, x, init=subject.init)
    frozen = set(seen["frozen"])  # whether a parameter should be trainable is its own question's (2.4)
    grads = {n: g for n, g in seen["param_grads"].items() if n not in frozen}
    unused = [f"`{n}` received no gradient: the forward never uses it" for n, g in grads.items() if g is None]
    stuck = [f"`{n}` received a gradient of zeros: nothing the output depends on uses it"
             for n, g in grads.items() if g is not None and not g.any() and not subject.wraps]
    assert not unused + stuck, (
        f"{subject.name}: after one forward and backward on a loss that depends on every output,\n"
        + "\n".join(unused + stuck))


@pytest.mark.parametrize("subject", subjects("any_batch_size", BATCHED))
def test_any_batch_size(impl, ref, subject):
    odd = odd_batch_size()
    weights = ref.state(subject.name, init=subject.init)
    x, d = batch_of(subject, odd), subject.batch_dim
    sizes = (1, 2, odd)
    batches = [(x.narrow(d, 0, n),) for n in sizes] + [(x.narrow(d, i, 1),) for i in range(1, odd)]
    if subject.unbatched:
        batches.append((x.narrow(d, 0, 1).reshape(subject.unbatched),))
    kw = {"init": subject.init, "weights": weights, "zero": subject.zero}
    observed = impl.forwards(subject.name, batches, **kw)
    expected = ref.forwards(subject.name, batches[:len(sizes)], **kw)
    for n, got, want in zip(sizes, observed, expected, strict=False):
        what = f"{subject.name} on a batch of {n} (input shape {list(x.narrow(d, 0, n).shape)})"
        what += f" ({subject.hint})" if subject.hint else ""
        if subject.values:
            assert_close(got, want, f"{what}, with the reference's weights")
        else:
            assert_shape(got, tuple(want.shape), what)
    alone = [observed[0], *observed[len(sizes):len(sizes) + odd - 1]]
    for i, item in enumerate(alone):
        assert_close(observed[2].narrow(d, i, 1), item, f"{subject.name} on item {i} of a batch of {odd}",
                     against="the same item run alone (each item of a batch must be computed on its own)")
    if subject.unbatched:
        assert_close(observed[-1], observed[0], f"{subject.name} on an unbatched {list(subject.unbatched)} image",
                     against="the same image as a batch of one", match_shape=False)


@pytest.mark.parametrize("subject", subjects("dropout_follows_the_mode", [s for s in SUBJECTS if s.dropout]))
def test_dropout_follows_the_mode(impl, subject):
    x = batch_of(subject, 2)
    settings = f"{subject.name} with dropout 0.5"
    first, second = impl.forwards(subject.name, [(x,), (x,)], init=subject.dropout, mode="eval")
    assert_close(second, first, f"{settings}: its second pass in eval mode", tol={"rtol": 0, "atol": 0},
                 against="its first (dropout must be off in eval mode: nn.Dropout, or F.dropout(x, p, self.training))")
    first, second = impl.forwards(subject.name, [(x,), (x,)], init=subject.dropout, mode="train")
    assert isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor) and first.shape == second.shape
    assert not torch.equal(first, second), (
        f"{settings}: two passes in train mode gave the same output; dropout must drop (pass `dropout` on to "
        f"every nn.Dropout, and call it in forward)")
    # Every nn.Dropout it holds drops with the p it was given: a ViT that leaves its blocks' dropout at 0
    # still drops in train mode, through its own.
    ones = torch.ones(20_000)
    for path in module_paths(impl, subject.name, "Dropout", subject.dropout):
        out = impl.forward(subject.name, ones, init=subject.dropout, module=path, mode="train")
        zeroed = (out == 0).float().mean().item()
        assert abs(zeroed - 0.5) < 0.03, (
            f"{settings}: its {path} zeroes {zeroed:.3f} of its input in train mode, expected 0.5: pass "
            f"`dropout` on to every layer that has one (its blocks too)")


# The block's input as the ViT hands it over: [B, T, E] tokens transposed to [T, B, E], a view.
TRANSPOSED = {"AttentionBlock": (1, 0, 2)}


@pytest.mark.parametrize("subject", subjects("non_contiguous_input", [s for s in SUBJECTS if s.name in TRANSPOSED]))
def test_non_contiguous_input(impl, subject):
    x = batch_of(subject, 3)
    order = TRANSPOSED[subject.name]
    contiguous, = impl.forwards(subject.name, [(x,)], init=subject.init)
    strided, = impl.forwards(subject.name, [(x,)], init=subject.init, memory_order=order)
    assert_close(strided, contiguous, f"{subject.name} on a non-contiguous view of its input (stored in dimension "
                 f"order {list(order)}, as x.transpose(0, 1) gives it), against a contiguous copy: use reshape, "
                 f"not view, where a tensor may be a view")


def block_sizes() -> tuple[int, int, int]:
    """(embed_dim, hidden_dim, num_heads) from the grading seed; the MLP never 2 or 4 times as wide."""
    heads = choose((1, 2, 4), seed=6)
    return heads * choose((4, 6, 8), seed=7), choose((20, 36, 44), seed=8), heads


def vit_sizes() -> dict[str, int]:
    """A VisionTransformer configuration from the grading seed in which no size is the handout's: 81, 100
    or 121 patches (more than the UvA configuration's 64) of 2x2 or 6x6 pixels, 1 or 2 channels, 5 or 7
    classes. A model that hard-codes any of them cannot pass."""
    heads, patch = choose((1, 2, 4), seed=9), choose((2, 6), seed=10)
    side = patch * choose((9, 10, 11), seed=11)
    return {"embed_dim": heads * choose((4, 6, 8), seed=12), "hidden_dim": choose((20, 36), seed=13),
            "num_channels": choose((1, 2), seed=14), "num_heads": heads, "num_layers": choose((1, 2), seed=15),
            "num_classes": choose((5, 7), seed=16), "patch_size": patch, "num_patches": (side // patch) ** 2,
            "dropout": 0.0, "side": side}


@pytest.mark.parametrize("subject", subjects("other_sizes", [s for s in SUBJECTS if s.name in (
    "AttentionBlock", "VisionTransformer")]))
def test_other_sizes(impl, ref, subject):
    if subject.name == "AttentionBlock":
        init = block_sizes()
        x = rand(6, 3, init[0], seed=17) * 2 - 1
    else:
        init = vit_sizes()
        side = init.pop("side")
        x = rand(3, init["num_channels"], side, side, seed=17)
    kw = {"init": init, "weights": ref.state(subject.name, init=init, seed=18), "zero": subject.zero}
    assert_close(impl.forward(subject.name, x, **kw), ref.forward(subject.name, x, **kw),
                 f"{subject.name}({init}) with the reference's weights, on x of shape {list(x.shape)}",
                 tol={"rtol": 1e-4, "atol": 1e-5})
