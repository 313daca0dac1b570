"""The submission contract (DESIGN.md section 2): every name a submission must define.

One table serves name resolution (what a missing-name message lists), `pset3 template`, and the
reports. Signatures and docs are written for students.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ContractName:
    name: str
    part: int
    kind: str  # "class", "function" or "constant"
    signature: str
    doc: str


CONTRACT: tuple[ContractName, ...] = (
    # Part 1: the Vision Transformer with Lightning
    ContractName("make_cifar10_splits", 1, "function", "(root, seed=42)",
                 "CIFAR-10 at `root` (no download) -> (train_set, val_set, test_set): 45,000 / 5,000 "
                 "split once, then transformed (train augmented, val/test not); test is the 10,000 test images."),
    ContractName("image_grid", 1, "function", "(images)",
                 "A grid of `[B, C, H, W]` images as a channels-last `[H, W, C]` tensor for plt.imshow."),
    ContractName("img_to_patch", 1, "function", "(x, patch_size, flatten_channels=True)",
                 "`[B, C, H, W]` -> `[B, N, C*p*p]` (or `[B, N, C, p, p]`), patches in row-major order."),
    ContractName("AttentionBlock", 1, "class", "(embed_dim, hidden_dim, num_heads, dropout=0.0)",
                 "Pre-LayerNorm transformer block on sequence-first input `[T, B, E]`. Register its layers in "
                 "data-flow order (LayerNorm, MultiheadAttention, LayerNorm, Linear, GELU, Dropout, Linear, "
                 "Dropout) so the reference's weights can be transplanted for comparison."),
    ContractName("VisionTransformer", 1, "class",
                 "(embed_dim, hidden_dim, num_channels, num_heads, num_layers, num_classes, patch_size, "
                 "num_patches, dropout=0.0)",
                 "`[B, C, H, W]` -> `[B, num_classes]`, with parameters `cls_token` `[1, 1, E]` and "
                 "`pos_embedding` `[1, 1 + num_patches, E]`. Register the input Linear, the blocks, the head "
                 "(LayerNorm, Linear), then cls_token and pos_embedding, as the tutorial does."),
    ContractName("ViT", 1, "class", "(model_kwargs, lr)",
                 "The LightningModule: logs train_loss, train_acc, val_acc, test_acc; AdamW + MultiStepLR "
                 "milestones [100, 150], gamma 0.1."),
    # Part 2: PyTorch fundamentals
    ContractName("ANSWERS", 2, "constant", "",
                 'dict: "2.1a".."2.1e" -> (weight_unchanged, grad_exists) booleans, "2.4" -> int, '
                 '"2.5" -> shape tuple.'),
    ContractName("MLPNet", 2, "class", "()",
                 "Linear(1024, 100) -> ReLU -> Linear(100, 10): a `[32, 32]` tensor -> 10 outputs "
                 "(`[B, 32, 32]` -> `[B, 10]`)."),
    ContractName("LeNetRBF", 2, "class", "()",
                 "conv(1->6, 5) -> maxpool 2 -> conv(6->16, 5) -> maxpool 2 -> Linear(400, 120) -> ReLU -> "
                 "Linear(120, 84) -> Gaussian connections: output_i = sum_j (x_j - w_ij)^2 over a learnable "
                 "`[10, 84]` parameter. `[32, 32]` -> `[10]`, `[B, 1, 32, 32]` -> `[B, 10]`."),
    ContractName("LeNetSequential", 2, "class", "()",
                 "The same network as LeNetRBF, written with nn.Sequential."),
    # Part 3: training a classifier
    ContractName("make_loaders", 3, "function", "(root, batch_size=4)", "-> (train_loader, test_loader)."),
    ContractName("CifarNet", 3, "class", "()",
                 "The tutorial CNN: conv 3->6 5x5, pool, conv 6->16 5x5, pool, 400 -> 120 -> 84 -> 10."),
    ContractName("train", 3, "function", "(net, loader, epochs=2, lr=0.001, momentum=0.9)",
                 "Train with SGD + cross-entropy; return the running-loss log as a list of floats."),
    ContractName("evaluate", 3, "function", "(net, loader)", "Accuracy as a Python float in [0, 1]."),
)

CONTRACT_NAMES: frozenset[str] = frozenset(c.name for c in CONTRACT)
