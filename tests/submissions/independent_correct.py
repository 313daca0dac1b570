"""Problem set 3, all three parts in one file.

Part 1: a Vision Transformer on CIFAR-10, trained with Lightning 2.x (`import lightning as L`).
Part 2: PyTorch fundamentals (an MLP, LeNet-5 with its Gaussian output layer, twice).
Part 3: the "Training a Classifier" CNN, its loaders, a training loop and an accuracy function.

Nothing runs at import time except building a few transform objects: data are only read
through the functions below, and only from disk (no downloads).
"""

import math

import lightning as L
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.utils.data import DataLoader, Dataset, random_split
from torchvision import transforms as T

# ---------------------------------------------------------------------------------------------
# Part 1: data
# ---------------------------------------------------------------------------------------------

# Per-channel statistics of the CIFAR-10 training images (given in the handout).
CIFAR10_MEAN = (0.49139968, 0.48215841, 0.44653091)
CIFAR10_STD = (0.24703223, 0.24348513, 0.26158784)
HELD_OUT = 5_000  # validation images taken out of the 50,000 training images
KEPT = 45_000

normalise = T.Normalize(CIFAR10_MEAN, CIFAR10_STD)
plain_view = T.Compose([T.ToTensor(), normalise])
augmented_view = T.Compose([
    T.RandomHorizontalFlip(),
    T.RandomResizedCrop((32, 32), scale=(0.8, 1.0), ratio=(0.9, 1.1)),
    T.ToTensor(),
    normalise,
])


class LazilyTransformed(Dataset):
    """Wraps a dataset of (PIL image, label) pairs; the image goes through `view` each time an
    item is fetched, so random augmentations differ from one epoch to the next and building the
    wrapper costs nothing."""

    def __init__(self, items, view):
        self.items = items
        self.view = view

    def __len__(self):
        return len(self.items)

    def __getitem__(self, position):
        picture, target = self.items[position]
        return self.view(picture), target


def make_cifar10_splits(root, seed=42):
    """Train (45,000, augmented), validation (5,000) and test (10,000) sets of CIFAR-10 at `root`.

    The 50,000 training images are shuffled once with a generator seeded by `seed` and cut in
    two, before any transform: the halves are disjoint and each image is in exactly one of them.
    """
    raw_training = torchvision.datasets.CIFAR10(root, train=True, download=False)
    shuffler = torch.Generator()
    shuffler.manual_seed(seed)
    keep_part, held_part = random_split(raw_training, [KEPT, HELD_OUT], generator=shuffler)
    train_set = LazilyTransformed(keep_part, augmented_view)
    val_set = LazilyTransformed(held_part, plain_view)
    test_set = torchvision.datasets.CIFAR10(root, train=False, download=False, transform=plain_view)
    return train_set, val_set, test_set


def image_grid(images):
    """Tile a batch `[B, C, H, W]` into one picture `[H', W', 3]` that plt.imshow can show.

    Values are rescaled to [0, 1] (normalised images are not), images are laid out in a roughly
    square grid, left to right then top to bottom, with a 2-pixel light border.
    """
    images = images.detach().float().cpu()
    if images.dim() == 3:  # a single image
        images = images.unsqueeze(0)
    if images.shape[1] == 1:  # grey -> RGB, imshow does not take [H, W, 1]
        images = images.expand(-1, 3, -1, -1)
    count, channels, height, width = images.shape
    low, high = images.min(), images.max()
    images = (images - low) / (high - low).clamp_min(1e-12)

    border = 2
    columns = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    canvas = torch.full((channels, border + rows * (height + border), border + columns * (width + border)), 0.9)
    for k in range(count):
        r, c = divmod(k, columns)
        top, left = border + r * (height + border), border + c * (width + border)
        canvas[:, top:top + height, left:left + width] = images[k]
    return canvas.permute(1, 2, 0).contiguous()


# ---------------------------------------------------------------------------------------------
# Part 1: the model
# ---------------------------------------------------------------------------------------------

def img_to_patch(x, patch_size, flatten_channels=True):
    """Cut `[B, C, H, W]` images into non-overlapping `patch_size` squares.

    F.unfold (im2col) with stride equal to the kernel gives `[B, C*p*p, N]`, each column one patch
    (channel, then row, then column inside it), the columns scanning the image row by row.
    """
    batch, channels = x.shape[:2]
    columns = F.unfold(x, kernel_size=patch_size, stride=patch_size)  # [B, C*p*p, N]
    patches = columns.transpose(1, 2)  # [B, N, C*p*p]
    if flatten_channels:
        return patches
    return patches.reshape(batch, patches.shape[1], channels, patch_size, patch_size)


class AttentionBlock(nn.Module):
    """One transformer encoder layer, LayerNorm before each sub-layer (pre-LN), on `[T, B, E]`."""

    def __init__(self, embed_dim, hidden_dim, num_heads, dropout=0.0):
        super().__init__()
        self.norm_before_attention = nn.LayerNorm(embed_dim)
        self.self_attention = nn.MultiheadAttention(embed_dim, num_heads)  # sequence-first by default
        self.norm_before_mlp = nn.LayerNorm(embed_dim)
        self.expand = nn.Linear(embed_dim, hidden_dim)
        self.activation = nn.GELU()
        self.hidden_dropout = nn.Dropout(dropout)
        self.project = nn.Linear(hidden_dim, embed_dim)
        self.output_dropout = nn.Dropout(dropout)

    def feed_forward(self, tokens):
        hidden = self.hidden_dropout(self.activation(self.expand(tokens)))
        return self.output_dropout(self.project(hidden))

    def forward(self, tokens):
        queries = self.norm_before_attention(tokens)
        mixed, _ = self.self_attention(queries, queries, queries, need_weights=False)
        tokens = tokens + mixed
        return tokens + self.feed_forward(self.norm_before_mlp(tokens))


class VisionTransformer(nn.Module):
    """Image -> patch tokens -> prepend a learnable class token, add learnable positions ->
    `num_layers` attention blocks -> LayerNorm + Linear on the class token."""

    def __init__(self, embed_dim, hidden_dim, num_channels, num_heads, num_layers, num_classes,
                 patch_size, num_patches, dropout=0.0):
        super().__init__()
        self.patch_size = patch_size
        self.patch_embedding = nn.Linear(num_channels * patch_size * patch_size, embed_dim)
        self.encoder = nn.ModuleList(
            [AttentionBlock(embed_dim, hidden_dim, num_heads, dropout) for _ in range(num_layers)])
        self.head_norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)
        self.token_dropout = nn.Dropout(dropout)
        self.cls_token = nn.Parameter(torch.randn(1, 1, embed_dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, 1 + num_patches, embed_dim))

    def forward(self, images):
        tokens = self.patch_embedding(img_to_patch(images, self.patch_size))  # [B, N, E]
        batch, count, width = tokens.shape
        tokens = torch.cat([self.cls_token.expand(batch, 1, width), tokens], dim=1)
        tokens = self.token_dropout(tokens + self.pos_embedding[:, :count + 1])
        sequence = tokens.transpose(0, 1)  # [1 + N, B, E]: the blocks are sequence-first
        for layer in self.encoder:
            sequence = layer(sequence)
        return self.head(self.head_norm(sequence[0]))


class ViT(L.LightningModule):
    """Lightning wrapper: cross-entropy training, accuracy for every stage, AdamW with a
    step-down of the learning rate (x0.1) after epochs 100 and 150."""

    def __init__(self, model_kwargs, lr):
        super().__init__()
        self.save_hyperparameters()
        self.model = VisionTransformer(**model_kwargs)

    def forward(self, images):
        return self.model(images)

    def configure_optimizers(self):
        optimiser = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr)
        schedule = torch.optim.lr_scheduler.MultiStepLR(optimiser, milestones=[100, 150], gamma=0.1)
        return {"optimizer": optimiser, "lr_scheduler": {"scheduler": schedule, "interval": "epoch"}}

    def _loss_and_accuracy(self, batch):
        images, labels = batch
        scores = self(images)
        loss = F.cross_entropy(scores, labels)
        accuracy = (scores.argmax(dim=1) == labels).float().mean()
        return loss, accuracy

    def training_step(self, batch, batch_idx):
        loss, accuracy = self._loss_and_accuracy(batch)
        self.log("train_loss", loss)
        self.log("train_acc", accuracy)
        return loss

    def validation_step(self, batch, batch_idx):
        _, accuracy = self._loss_and_accuracy(batch)
        self.log("val_acc", accuracy)

    def test_step(self, batch, batch_idx):
        _, accuracy = self._loss_and_accuracy(batch)
        self.log("test_acc", accuracy)


# ---------------------------------------------------------------------------------------------
# Part 2
# ---------------------------------------------------------------------------------------------

# 2.1: (is fc1's weight still its initial value?, does its .grad exist?) during one SGD iteration.
#  a) fresh network: nothing has happened, no gradient yet
#  b) after optimizer.zero_grad(): torch >= 2.0 sets grads to None, so still none
#  c) after forward + loss: the graph exists, but no gradient is computed until backward
#  d) after loss.backward(): .grad is filled in; the weight itself is untouched
#  e) after optimizer.step(): the weight moved; the gradient is still there
ANSWERS = {
    "2.1a": (True, False),
    "2.1b": (True, False),
    "2.1c": (True, False),
    "2.1d": (True, True),
    "2.1e": (False, True),
    "2.4": 4,  # hidden weight, hidden bias, output weight, output bias
    "2.5": (10, 100),  # the third tensor is the output layer's weight: [out_features, in_features]
}


class MLPNet(nn.Module):
    """1024 pixels -> 100 hidden units (ReLU) -> 10 scores.

    `[32, 32]` gives `[10]`; `[B, 32, 32]` gives `[B, 10]` (any leading dimensions are kept).
    """

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(32 * 32, 100)
        self.scores = nn.Linear(100, 10)

    def forward(self, image):
        pixels = image.reshape(*image.shape[:-2], 32 * 32)
        return self.scores(torch.relu(self.hidden(pixels)))


class GaussianConnections(nn.Module):
    """LeNet-5's output layer: score_i = ||x - w_i||^2, one learnable centre w_i per class."""

    def __init__(self, features=84, classes=10):
        super().__init__()
        self.centres = nn.Parameter(torch.randn(classes, features))

    def forward(self, features):  # [B, F] -> [B, classes]
        offsets = features.unsqueeze(1) - self.centres.unsqueeze(0)  # [B, classes, F]
        return torch.einsum("bcf,bcf->bc", offsets, offsets)


def _to_image_batch(x):
    """[32, 32] -> [1, 1, 32, 32]; [B, 32, 32] -> [B, 1, 32, 32]; [B, 1, 32, 32] unchanged.
    Also says whether the caller gave a single image (its output loses the batch dimension)."""
    if x.dim() == 2:
        return x[None, None], True
    if x.dim() == 3:
        return x.unsqueeze(1), False
    return x, False


class LeNetRBF(nn.Module):
    """C1 conv 5x5 (6 maps) -> S2 max-pool -> C3 conv 5x5 (16 maps) -> S4 max-pool ->
    F5 400 -> 120 (ReLU) -> F6 120 -> 84 -> Gaussian connections (10 distances)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, kernel_size=5)
        self.c3 = nn.Conv2d(6, 16, kernel_size=5)
        self.f5 = nn.Linear(16 * 5 * 5, 120)
        self.f6 = nn.Linear(120, 84)
        self.output = GaussianConnections(84, 10)

    def forward(self, x):
        x, single = _to_image_batch(x)
        maps = F.max_pool2d(self.c1(x), kernel_size=2)
        maps = F.max_pool2d(self.c3(maps), kernel_size=2)
        code = self.f6(F.relu(self.f5(torch.flatten(maps, start_dim=1))))
        distances = self.output(code)
        return distances.squeeze(0) if single else distances


class LeNetSequential(nn.Sequential):
    """LeNetRBF again, this time the network *is* an nn.Sequential (same layers, same order)."""

    def __init__(self):
        super().__init__(
            nn.Conv2d(1, 6, kernel_size=5),
            nn.MaxPool2d(kernel_size=2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.MaxPool2d(kernel_size=2),
            nn.Flatten(start_dim=1),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            GaussianConnections(84, 10),
        )

    def forward(self, x):
        x, single = _to_image_batch(x)
        for layer in self:
            x = layer(x)
        return x.squeeze(0) if single else x


# ---------------------------------------------------------------------------------------------
# Part 3
# ---------------------------------------------------------------------------------------------

LOSS_WINDOW = 2000  # mini-batches per entry of the running-loss log

half_normalised = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])


def make_loaders(root, batch_size=4):
    """(training loader: 50,000 images, reshuffled every epoch; test loader: 10,000, in order)."""
    training = torchvision.datasets.CIFAR10(root, train=True, download=False, transform=half_normalised)
    testing = torchvision.datasets.CIFAR10(root, train=False, download=False, transform=half_normalised)
    return (DataLoader(training, batch_size=batch_size, shuffle=True),
            DataLoader(testing, batch_size=batch_size, shuffle=False))


class CifarNet(nn.Module):
    """The tutorial's small CNN for 3x32x32 images (62,006 parameters)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def train(net, loader, epochs=2, lr=0.001, momentum=0.9):
    """Mini-batch SGD (with momentum) on the cross-entropy. Returns the running loss: the mean of
    each block of LOSS_WINDOW consecutive mini-batches of an epoch, as Python floats."""
    device = next(net.parameters()).device
    optimiser = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    net.train()
    history = []
    for _ in range(epochs):
        window_total, in_window = 0.0, 0
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            optimiser.zero_grad()
            loss = F.cross_entropy(net(inputs), targets)
            loss.backward()
            optimiser.step()
            window_total += loss.item()
            in_window += 1
            if in_window == LOSS_WINDOW:
                history.append(window_total / LOSS_WINDOW)
                window_total, in_window = 0.0, 0
    return history


def evaluate(net, loader):
    """Fraction of the loader's images that `net` classifies correctly, without autograd."""
    device = next(net.parameters()).device
    was_training = net.training
    net.eval()
    correct = seen = 0
    try:
        with torch.inference_mode():
            for inputs, targets in loader:
                guesses = net(inputs.to(device)).argmax(dim=1).cpu()
                correct += int((guesses == targets).sum())
                seen += targets.numel()
    finally:
        net.train(was_training)
    return correct / seen if seen else 0.0
