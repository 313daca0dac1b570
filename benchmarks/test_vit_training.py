"""Training throughput of the reference ViT: the faithful fp32 path against the fast path
(reference/fast_vit.py), side by side in one run, as images per second and achieved TFLOP/s.

- faithful: the reference model in fp32, PyTorch's default AdamW, the loss read back every step (as
  Lightning's logging does), batches already on the device: the model's cost alone.
- faithful-loader: the same step fed as the tutorial feeds it: PIL images through its training
  transforms in a DataLoader (4 workers on CUDA, pinned memory), copied to the device each step.
- fast: device-resident uint8 data augmented on the device, bf16 autocast, fused AdamW,
  torch.compile (CUDA only), no host synchronisation inside a round.
- fast-graphs (CUDA only): the same, compiled with mode "reduce-overhead" (CUDA graphs).

On the CPU the paths use the small ViT (SMALL_CONFIG), small batches, no workers and no compile, so
the tier runs here in seconds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader, Dataset

from benchmarks.conftest import DEVICES, THROUGHPUT, synchronize
from reference.fast_vit import forward_flops, make_fast, normalise, train_step
from reference.part1 import SMALL_CONFIG, UVA_CONFIG, VisionTransformer, train_transform

pytestmark = pytest.mark.benchmark

BF16_DENSE_PEAK = {"H100": 989e12, "H200": 989e12}  # TFLOP/s of dense bf16, SXM parts
SETTINGS = {  # device: (config, batch, steps per round, rounds, warm-up rounds)
    "cuda": ({**UVA_CONFIG}, 128, 20, 10, 3),
    "cpu": (SMALL_CONFIG, 16, 2, 5, 1),
}


def data(device: str, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=generator)
    return images.to(device), torch.randint(0, 10, (n,), generator=generator).to(device)


class TutorialImages(Dataset):
    """uint8 images served as the tutorial's dataset serves CIFAR-10: a PIL image through
    `train_transform` (flip, RandomResizedCrop, ToTensor, Normalize) on every access."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        self.images = images.permute(0, 2, 3, 1).numpy()  # [N, H, W, C], as CIFAR-10 stores them
        self.labels = labels.tolist()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return train_transform(Image.fromarray(self.images[i])), self.labels[i]


def on_device(device: str, batch: int, steps: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The same normalised batches, already on the device, over and over."""
    images, labels = data(device, batch * steps)
    x = normalise(images)
    return itertools.cycle([(x[i * batch:(i + 1) * batch], labels[i * batch:(i + 1) * batch]) for i in range(steps)])


def through_loader(device: str, batch: int, steps: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Batches from the tutorial's DataLoader set-up, epoch after epoch, copied to the device."""
    cuda = device == "cuda"
    loader = DataLoader(TutorialImages(*data("cpu", batch * steps)), batch_size=batch, shuffle=True, drop_last=True,
                        num_workers=4 if cuda else 0, pin_memory=cuda, persistent_workers=cuda)
    for x, y in itertools.chain.from_iterable(itertools.repeat(loader)):
        yield x.to(device, non_blocking=True), y.to(device, non_blocking=True)


def faithful_round(device: str, config: dict[str, Any], batch: int, steps: int,
                   batches: Callable[[str, int, int], Iterator[tuple[torch.Tensor, torch.Tensor]]] = on_device):
    torch.manual_seed(0)
    model = VisionTransformer(**config).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    source = batches(device, batch, steps)

    def run() -> None:
        for x, y in itertools.islice(source, steps):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            loss.item()  # what per-step logging costs: the host waits for the device
        synchronize(device)

    return run


def fast_round(device: str, config: dict[str, Any], batch: int, steps: int, compile_mode: str | None = None):
    setup = make_fast(config, device=device, compile_mode=compile_mode)
    images, labels = data(device, batch * steps)
    order = torch.randperm(batch * steps, device=device)

    def run() -> None:
        for i in range(steps):
            idx = order[i * batch:(i + 1) * batch]
            train_step(setup, images[idx], labels[idx])
        synchronize(device)

    return run


PATHS = {
    "faithful": faithful_round,
    "faithful-loader": lambda *args: faithful_round(*args, batches=through_loader),
    "fast": fast_round,
    "fast-graphs": lambda *args: fast_round(*args, compile_mode="reduce-overhead"),
}


def peak(device: str) -> float | None:
    if device != "cuda":
        return None
    name = torch.cuda.get_device_name(0)
    return next((v for k, v in BF16_DENSE_PEAK.items() if k in name), None)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("path", [*list(PATHS)[:-1], pytest.param("fast-graphs", marks=pytest.mark.gpu)])
def test_vit_training_throughput(benchmark, request, record_property, path, device):
    if path == "fast-graphs" and device != "cuda":
        pytest.skip("CUDA graphs need CUDA")
    config, batch, steps, rounds, warmup = SETTINGS[device]
    run = PATHS[path](device, config, batch, steps)
    benchmark.pedantic(run, rounds=rounds, iterations=1, warmup_rounds=warmup)
    images_per_s = batch * steps / benchmark.stats.stats.median
    tflops = images_per_s * 3 * forward_flops(config) / 1e12
    benchmark.extra_info.update(images_per_s=round(images_per_s, 1), tflops=round(tflops, 3), batch=batch)
    line = f"ViT {path:15s} on {device}: {images_per_s:10.1f} images/s, {tflops:8.3f} TFLOP/s"
    if (bf16_peak := peak(device)) is not None:
        fraction = tflops * 1e12 / bf16_peak
        benchmark.extra_info["bf16_peak_fraction"] = round(fraction, 4)
        line += f" ({100 * fraction:.1f}% of dense bf16 peak)"
    for key, value in benchmark.extra_info.items():
        record_property(key, value)
    request.config.stash.setdefault(THROUGHPUT, {})[(device, path)] = (images_per_s, line)
