"""Questions 1.5 and 1.6: the class token and positional embedding, and the ViT's forward pass."""

import math

import pytest
import torch

from autograde.common.problemset import SMALL_CONFIG, UVA_CONFIG
from autograde.spec.checks import assert_close, choose, rand

# Dropout off, as it always was here: 1.6 grades the forward pass, not where dropout is applied (that is 1.3's).
SMALL = {**SMALL_CONFIG, "dropout": 0.0}


def named(params, name):
    found = [p for p in params if p.name.rsplit(".", 1)[-1] == name]
    assert found, f"VisionTransformer has no parameter named {name}; its parameters: {[p.name for p in params][:12]}..."
    return found[0]


@pytest.mark.question("1.5")
def test_cls_token_and_pos_embedding_are_learnable_with_their_shapes(impl):
    params = impl.parameters("VisionTransformer", init=UVA_CONFIG)
    cls, pos = named(params, "cls_token"), named(params, "pos_embedding")
    assert cls.shape == (1, 1, 256) and cls.requires_grad, f"cls_token: shape {list(cls.shape)}, expected [1, 1, 256]"
    assert pos.shape == (1, 65, 256) and pos.requires_grad, (
        f"pos_embedding: shape {list(pos.shape)}, expected [1, 1 + 64, 256]: one position for the class token too")


@pytest.mark.question("1.5")
def test_uva_configuration_has_3195146_parameters(impl):
    total = sum(math.prod(p.shape) for p in impl.parameters("VisionTransformer", init=UVA_CONFIG))
    assert total == 3_195_146, (
        f"VisionTransformer in the UvA configuration has {total:,} parameters, expected 3,195,146")


@pytest.mark.question("1.6")
@pytest.mark.parametrize("flatten", [True, False])
@pytest.mark.parametrize("patch", [4, 8])
def test_img_to_patch_cuts_row_major_patches(impl, ref, patch, flatten):
    x = rand(2, 3, 32, 32)
    assert_close(impl.call("img_to_patch", x, patch, flatten), ref.call("img_to_patch", x, patch, flatten),
                 f"img_to_patch(x [2, 3, 32, 32], {patch}, flatten_channels={flatten})", tol={"rtol": 0, "atol": 0})


def image_and_patch(seed: int) -> tuple[tuple[int, int, int, int], int]:
    """A [B, C, H, W] shape and a patch size that divides H and W, drawn from the grading seed: not only
    square 32x32 RGB images. (Drawn here, not by Hypothesis: the kit's recorded answers need the same
    shapes on every machine, and Hypothesis also draws from constants in the source files it finds.)"""
    patch = choose((1, 2, 3, 4, 8), seed=seed)
    rows, cols = choose((1, 2, 3, 4), seed=seed + 3), choose((1, 2, 3, 4), seed=seed + 4)
    return (choose((1, 2, 3), seed=seed + 1), choose((1, 3, 4), seed=seed + 2), patch * rows, patch * cols), patch


@pytest.mark.question("1.6")
def test_img_to_patch_cuts_any_image_into_row_major_patches(impl, ref):
    for case in range(6):
        shape, patch = image_and_patch(seed=100 + 10 * case)
        flatten = choose((True, False), seed=105 + 10 * case)
        x = torch.arange(math.prod(shape), dtype=torch.float32).reshape(shape)
        assert_close(impl.call("img_to_patch", x, patch, flatten), ref.call("img_to_patch", x, patch, flatten),
                     f"img_to_patch(x {list(shape)}, {patch}, flatten_channels={flatten})", tol={"rtol": 0, "atol": 0})


@pytest.mark.question("1.6")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vit_classifies_from_the_class_token_as_the_reference_does(impl, ref, seed):
    weights = ref.state("VisionTransformer", init=SMALL, seed=seed)
    x = rand(3, 3, 32, 32, seed=seed)
    # The positional embedding is zeroed on both sides: its shape is question 1.5's.
    kw = {"init": SMALL, "weights": weights, "zero": ("pos_embedding",)}
    assert_close(impl.forward("VisionTransformer", x, **kw), ref.forward("VisionTransformer", x, **kw),
                 "VisionTransformer with the reference's weights (the head reads token 0 after the last block)",
                 tol={"rtol": 1e-4, "atol": 1e-5})
