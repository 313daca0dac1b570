"""Training throughput of the reference ViT: the faithful fp32 path against the fast path
(reference/fast_vit.py), side by side in one run, as images per second and achieved TFLOP/s.

Faithful: the reference model in fp32, PyTorch's default AdamW, the loss read back every step (as
Lightning's logging does), batches already on the device: its CPU data loading is left out, which
flatters it. Fast: device-resident uint8 data augmented on the device, bf16 autocast, fused AdamW,
torch.compile (CUDA only), no host synchronisation inside a round. On the CPU both use a 2-block
ViT, small batches and no compile, so the tier runs here in seconds.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F

from benchmarks.conftest import DEVICES, THROUGHPUT, synchronize
from reference.fast_vit import forward_flops, make_fast, normalise, train_step
from reference.part1 import UVA_CONFIG, VisionTransformer

pytestmark = pytest.mark.benchmark

BF16_DENSE_PEAK = {"H100": 989e12, "H200": 989e12}  # TFLOP/s of dense bf16, SXM parts
SETTINGS = {  # device: (config, batch, steps per round, rounds, warm-up rounds)
    "cuda": ({**UVA_CONFIG}, 128, 20, 10, 3),
    "cpu": ({**UVA_CONFIG, "num_layers": 2}, 16, 2, 5, 1),
}


def data(device: str, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=generator)
    return images.to(device), torch.randint(0, 10, (n,), generator=generator).to(device)


def faithful_round(device: str, config: dict[str, Any], batch: int, steps: int):
    torch.manual_seed(0)
    model = VisionTransformer(**config).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    images, labels = data(device, batch * steps)
    x = normalise(images)

    def run() -> None:
        for i in range(steps):
            part = slice(i * batch, (i + 1) * batch)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[part]), labels[part])
            loss.backward()
            optimizer.step()
            loss.item()  # what per-step logging costs: the host waits for the device
        synchronize(device)

    return run


def fast_round(device: str, config: dict[str, Any], batch: int, steps: int):
    setup = make_fast(config, device=device)
    images, labels = data(device, batch * steps)
    order = torch.randperm(batch * steps, device=device)

    def run() -> None:
        for i in range(steps):
            idx = order[i * batch:(i + 1) * batch]
            train_step(setup, images[idx], labels[idx])
        synchronize(device)

    return run


def peak(device: str) -> float | None:
    if device != "cuda":
        return None
    name = torch.cuda.get_device_name(0)
    return next((v for k, v in BF16_DENSE_PEAK.items() if k in name), None)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("path", ["faithful", "fast"])
def test_vit_training_throughput(benchmark, request, path, device):
    config, batch, steps, rounds, warmup = SETTINGS[device]
    run = (faithful_round if path == "faithful" else fast_round)(device, config, batch, steps)
    benchmark.pedantic(run, rounds=rounds, iterations=1, warmup_rounds=warmup)
    images_per_s = batch * steps / benchmark.stats.stats.median
    tflops = images_per_s * 3 * forward_flops(config) / 1e12
    benchmark.extra_info.update(images_per_s=round(images_per_s, 1), tflops=round(tflops, 3), batch=batch)
    line = f"ViT {path:8s} on {device}: {images_per_s:10.1f} images/s, {tflops:8.3f} TFLOP/s"
    if (bf16_peak := peak(device)) is not None:
        fraction = tflops * 1e12 / bf16_peak
        benchmark.extra_info["bf16_peak_fraction"] = round(fraction, 4)
        line += f" ({100 * fraction:.1f}% of dense bf16 peak)"
    request.config.stash.setdefault(THROUGHPUT, []).append(line)
