"""The fast ViT path (reference/fast_vit.py) trains the reference model, and its device-side
augmentation does what the tutorial's transforms do. Here on the CPU, without torch.compile."""

from __future__ import annotations

import torch

from autograde.common.synthetic_cifar import load_raw
from reference.fast_vit import accuracy, augment, make_fast, resident, train_epoch
from reference.part1 import SMALL_CONFIG, UVA_CONFIG, VisionTransformer


def test_the_fast_path_trains_the_reference_model_with_its_state_dict():
    setup = make_fast(UVA_CONFIG, device="cpu", compile=True)
    reference = VisionTransformer(**UVA_CONFIG).state_dict()
    fast = setup.model.state_dict()
    assert list(fast) == list(reference)
    assert all(fast[k].shape == reference[k].shape for k in reference)
    assert setup.step_model is not setup.model, "compile=True must train through a compiled module"
    assert not setup.graphs
    assert make_fast(UVA_CONFIG, device="cpu", compile=True, compile_mode="reduce-overhead").graphs
    assert not make_fast(UVA_CONFIG, device="cpu", compile=False, compile_mode="reduce-overhead").graphs


def test_augmentation_flips_and_crops_each_image_on_its_own():
    ramp = torch.linspace(0, 1, 32).expand(64, 3, 32, 32).contiguous()  # brightness grows left to right
    out = augment(ramp, torch.Generator().manual_seed(0))
    assert out.shape == ramp.shape
    rows = out[:, 0, 16]
    steps = rows.diff(dim=-1)
    rising, falling = (steps >= -1e-6).all(dim=-1), (steps <= 1e-6).all(dim=-1)
    assert bool((rising | falling).all()), "a crop of a ramp must stay monotonic along each row"
    assert 10 < int(falling.sum()) < 54, f"{int(falling.sum())} of 64 images flipped; expected about half"
    spans = rows.max(dim=-1).values - rows.min(dim=-1).values
    # Crops keep between sqrt(0.8 * 0.9) and 1 of the side (scale 0.8-1, ratio 0.9-1.1).
    assert bool((spans > 0.8).all()) and bool((spans < 1.0 + 1e-6).all()), f"spans {spans.min():.3f}..{spans.max():.3f}"
    assert len({round(float(s), 4) for s in spans}) > 32, "each image must get its own crop"
    constant = torch.full((4, 3, 32, 32), 0.25)
    assert torch.allclose(augment(constant), constant), "resampling must not change a constant image"


def test_small_vit_learns_the_synthetic_data_on_the_fast_path(cifar_root):
    images, labels = load_raw(cifar_root, train=True)
    x, y = resident(torch.from_numpy(images[:6144]), "cpu"), torch.from_numpy(labels[:6144]).long()
    setup = make_fast(SMALL_CONFIG, lr=3e-3, device="cpu")  # 2 x 32 steps: a high rate, for a test that is cheap
    generator = torch.Generator().manual_seed(0)
    first = train_epoch(setup, x[:2048], y[:2048], batch_size=64, generator=generator)
    second = train_epoch(setup, x[:2048], y[:2048], batch_size=64, generator=generator)
    held_out = accuracy(setup, x[2048:], y[2048:])
    assert second["train_loss"] < first["train_loss"], f"loss per epoch: {first} then {second}"
    assert held_out > 0.3, f"held-out accuracy {held_out:.3f} after two epochs (chance is 0.1)"
