"""A fast training path for the reference ViT: the same `VisionTransformer`, the same state_dict,
trained the way the hardware likes.

What differs from the faithful path (`part1.train_vit`, fp32 and Lightning with CPU data loading):
- the dataset lives on the device as uint8 and is augmented there, a whole batch per kernel
  (random horizontal flip and RandomResizedCrop with the tutorial's scale and ratio, by one
  `affine_grid`/`grid_sample`), then normalised with the tutorial's mean and std;
- bf16 autocast, fused AdamW, `torch.compile` (on CUDA by default);
- no host synchronisation per step: the running loss and accuracy stay on the device and are read
  once per epoch.
"""

import dataclasses
import math
from typing import Any

import torch
import torch.nn.functional as F

from reference.part1 import DATA_MEANS, DATA_STD, UVA_CONFIG, UVA_LR, VisionTransformer

SCALE, RATIO = (0.8, 1.0), (0.9, 1.1)  # the tutorial's RandomResizedCrop


def forward_flops(config: dict[str, Any]) -> float:
    """FLOPs of one image's forward pass (a multiply-add counts 2): the patch embedding, per block the
    q/k/v and output projections, the attention scores and their weighted sum, the MLP; the head.
    About 436.5 MFLOP in the UvA configuration; a training step costs about three times that."""
    e, h, n, p, c = (config[k] for k in ("embed_dim", "hidden_dim", "num_patches", "patch_size", "num_channels"))
    t = n + 1  # the class token
    block = t * e * 3 * e + 2 * t * t * e + t * e * e + 2 * t * e * h
    return 2.0 * (n * c * p * p * e + config["num_layers"] * block + e * config["num_classes"])


def resident(images: torch.Tensor, device: str | torch.device) -> torch.Tensor:
    """`[N, 32, 32, 3]` uint8 images (as CIFAR-10 stores them) -> `[N, 3, 32, 32]` uint8 on `device`."""
    return images.permute(0, 3, 1, 2).contiguous().to(device)


def normalise(batch: torch.Tensor) -> torch.Tensor:
    """uint8 `[B, 3, H, W]` -> float, scaled to [0, 1] and normalised with the tutorial's statistics."""
    mean = torch.tensor(DATA_MEANS, device=batch.device).view(1, 3, 1, 1)
    std = torch.tensor(DATA_STD, device=batch.device).view(1, 3, 1, 1)
    return (batch.float() / 255 - mean) / std


def augment(batch: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Random horizontal flip and RandomResizedCrop((32, 32), scale=(0.8, 1), ratio=(0.9, 1.1)) for a
    whole float batch `[B, C, H, W]` at once: each image gets its own crop, as an affine sampling grid."""
    b, device = batch.shape[0], batch.device
    rand = torch.rand(b, 4, device=device, generator=generator)
    area = SCALE[0] + (SCALE[1] - SCALE[0]) * rand[:, 0]
    log_ratio = math.log(RATIO[0]) + (math.log(RATIO[1]) - math.log(RATIO[0])) * rand[:, 1]
    ratio = log_ratio.exp()
    width = (area * ratio).sqrt().clamp(max=1.0)  # crop size as a fraction of the image side
    height = (area / ratio).sqrt().clamp(max=1.0)
    centre_x = (1 - width) * (2 * rand[:, 2] - 1)  # the crop stays inside the image, in [-1, 1] coords
    centre_y = (1 - height) * (2 * rand[:, 3] - 1)
    flip = torch.where(torch.rand(b, device=device, generator=generator) < 0.5, -1.0, 1.0)
    theta = torch.zeros(b, 2, 3, device=device)
    theta[:, 0, 0] = width * flip
    theta[:, 0, 2] = centre_x
    theta[:, 1, 1] = height
    theta[:, 1, 2] = centre_y
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    return F.grid_sample(batch, grid, mode="bilinear", padding_mode="border", align_corners=False)


@dataclasses.dataclass
class FastSetup:
    """What a fast training step needs, built once."""

    model: VisionTransformer
    step_model: Any  # the compiled module (or the model itself)
    optimizer: torch.optim.Optimizer
    device: torch.device
    autocast: bool
    graphs: bool = False  # the compiled module replays CUDA graphs (compile mode "reduce-overhead")


def make_fast(model_kwargs: dict[str, Any] | None = None, lr: float = UVA_LR, device: str = "cuda",
              compile: bool | None = None, bf16: bool = True, seed: int = 42,
              compile_mode: str | None = None) -> FastSetup:
    """The reference VisionTransformer on `device` with fused AdamW (on CUDA), bf16 autocast and
    `torch.compile` (default: on CUDA only; compiling on the CPU takes minutes). `compile_mode` is
    torch.compile's `mode`: "reduce-overhead" records the forward and backward as CUDA graphs, so a
    step of this small model launches a few graphs instead of hundreds of kernels."""
    torch.manual_seed(seed)
    dev = torch.device(device)
    model = VisionTransformer(**(model_kwargs or UVA_CONFIG)).to(dev)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, fused=dev.type == "cuda")
    use_compile = dev.type == "cuda" if compile is None else compile
    step_model = torch.compile(model, mode=compile_mode) if use_compile else model
    return FastSetup(model, step_model, optimizer, dev, bf16, graphs=use_compile and compile_mode == "reduce-overhead")


def train_step(setup: FastSetup, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One step on a uint8 batch already on the device: augment, forward under bf16 autocast,
    backward, fused AdamW. Returns the loss and the number right, both still on the device (computed
    outside the compiled module, so they outlive the next CUDA-graph replay)."""
    x = augment(normalise(images))
    setup.optimizer.zero_grad(set_to_none=True)
    if setup.graphs:
        torch.compiler.cudagraph_mark_step_begin()  # a new training step: earlier replays' outputs are done
    with torch.autocast(setup.device.type, dtype=torch.bfloat16, enabled=setup.autocast):
        logits = setup.step_model(x)
        loss = F.cross_entropy(logits.float(), labels)
    loss.backward()
    setup.optimizer.step()
    return loss.detach(), (logits.argmax(dim=-1) == labels).sum()


def train_epoch(setup: FastSetup, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 128,
                generator: torch.Generator | None = None) -> dict[str, float]:
    """One epoch over device-resident uint8 `images` `[N, 3, 32, 32]` and `labels` `[N]`, in a random
    order drawn on the device; the last partial batch is dropped (shapes stay static for the
    compiled model). Host and device meet once, at the end."""
    setup.model.train()
    order = torch.randperm(images.shape[0], device=images.device, generator=generator)
    total_loss = torch.zeros((), device=images.device)
    right = torch.zeros((), device=images.device, dtype=torch.long)
    steps = images.shape[0] // batch_size
    for i in range(steps):
        idx = order[i * batch_size:(i + 1) * batch_size]
        loss, correct = train_step(setup, images[idx], labels[idx])
        total_loss += loss
        right += correct
    seen = steps * batch_size
    return {"train_loss": float(total_loss) / max(steps, 1), "train_acc": float(right) / max(seen, 1)}


@torch.no_grad()
def accuracy(setup: FastSetup, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> float:
    """Accuracy on device-resident uint8 images, without augmentation."""
    setup.model.eval()
    right = torch.zeros((), device=images.device, dtype=torch.long)
    for i in range(0, images.shape[0], batch_size):
        with torch.autocast(setup.device.type, dtype=torch.bfloat16, enabled=setup.autocast):
            logits = setup.model(normalise(images[i:i + batch_size]))
        right += (logits.argmax(dim=-1) == labels[i:i + batch_size]).sum()
    return float(right) / images.shape[0]
