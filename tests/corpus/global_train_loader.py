# Part 1 of pset 3. My ViT reads an example batch from the global train_loader, the way the lecture
# notebook does it, so its constructor needs the data loaded at the top of this file.
import numpy as np
import pytorch_lightning as pl
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.data as data
import torchvision
from torchvision import transforms
from torchvision.datasets import CIFAR10

DATASET_PATH = "../data"
pl.seed_everything(42)

train_dataset = CIFAR10(root=DATASET_PATH, train=True, download=True)
DATA_MEANS = (train_dataset.data / 255.0).mean(axis=(0, 1, 2))
DATA_STD = (train_dataset.data / 255.0).std(axis=(0, 1, 2))
print("Data mean", DATA_MEANS)
print("Data std", DATA_STD)


class SplitPart(data.Dataset):
    def __init__(self, base, indices, transform):
        self.dataset = base
        self.indices = indices
        self.transform = transform

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, k):
        image, target = self.dataset[self.indices[k]]
        return self.transform(image), target


def make_cifar10_splits(root, seed=42):
    mean, std = (0.49139968, 0.48215841, 0.44653091), (0.24703223, 0.24348513, 0.26158784)
    normalize = transforms.Normalize(mean, std)
    eval_tf = transforms.Compose([transforms.ToTensor(), normalize])
    train_tf = transforms.Compose([transforms.RandomHorizontalFlip(),
                                   transforms.RandomResizedCrop((32, 32), scale=(0.8, 1.0), ratio=(0.9, 1.1)),
                                   transforms.ToTensor(), normalize])
    base = CIFAR10(root=root, train=True, download=False)
    perm = np.random.RandomState(seed).permutation(len(base)).tolist()
    return (SplitPart(base, perm[:45000], train_tf), SplitPart(base, perm[45000:], eval_tf),
            CIFAR10(root=root, train=False, download=False, transform=eval_tf))


train_set, val_set, test_set = make_cifar10_splits(DATASET_PATH)
train_loader = data.DataLoader(train_set, batch_size=128, shuffle=True, drop_last=True, num_workers=4)
val_loader = data.DataLoader(val_set, batch_size=128, shuffle=False, num_workers=4)
test_loader = data.DataLoader(test_set, batch_size=128, shuffle=False, num_workers=4)


def image_grid(images):
    grid = torchvision.utils.make_grid(images, nrow=4, normalize=True, pad_value=0.9)
    return grid.permute(1, 2, 0)  # C,H,W -> H,W,C for imshow


def img_to_patch(x, patch_size, flatten_channels=True):
    B, C, H, W = x.shape
    p = patch_size
    patches = x.unfold(2, p, p).unfold(3, p, p)  # B, C, H/p, W/p, p, p
    patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(B, (H // p) * (W // p), C, p, p)
    return patches.flatten(2) if flatten_channels else patches


class AttentionBlock(nn.Module):
    def __init__(self, embed_dim, hidden_dim, num_heads, dropout=0.0):
        super(AttentionBlock, self).__init__()
        self.layer_norm_1 = nn.LayerNorm(embed_dim)
        self.attn = nn.MultiheadAttention(embed_dim, num_heads)
        self.layer_norm_2 = nn.LayerNorm(embed_dim)
        self.linear = nn.Sequential(nn.Linear(embed_dim, hidden_dim), nn.GELU(), nn.Dropout(dropout),
                                    nn.Linear(hidden_dim, embed_dim), nn.Dropout(dropout))

    def forward(self, x):
        inp_x = self.layer_norm_1(x)
        attn_out, _ = self.attn(inp_x, inp_x, inp_x)
        x = x + attn_out
        return x + self.linear(self.layer_norm_2(x))


class VisionTransformer(nn.Module):
    def __init__(self, embed_dim, hidden_dim, num_channels, num_heads, num_layers, num_classes, patch_size,
                 num_patches, dropout=0.0):
        super().__init__()
        self.patch_size = patch_size
        self.input_layer = nn.Linear(num_channels * (patch_size ** 2), embed_dim)
        blocks = [AttentionBlock(embed_dim, hidden_dim, num_heads, dropout=dropout) for _ in range(num_layers)]
        self.transformer = nn.Sequential(*blocks)
        self.mlp_head = nn.Sequential(nn.LayerNorm(embed_dim), nn.Linear(embed_dim, num_classes))
        self.dropout = nn.Dropout(dropout)
        self.cls_token = nn.Parameter(torch.randn(1, 1, embed_dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, 1 + num_patches, embed_dim))

    def forward(self, x):
        x = self.input_layer(img_to_patch(x, self.patch_size))
        B, T, _ = x.shape
        x = torch.cat([self.cls_token.repeat(B, 1, 1), x], dim=1) + self.pos_embedding[:, :T + 1]
        x = self.transformer(self.dropout(x).transpose(0, 1))
        return self.mlp_head(x[0])


class ViT(pl.LightningModule):
    def __init__(self, model_kwargs, lr):
        super().__init__()
        self.model = VisionTransformer(**model_kwargs)
        self.save_hyperparameters()
        self.example_input_array = next(iter(train_loader))[0]

    def forward(self, x):
        return self.model(x)

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr)
        return [opt], [torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[100, 150], gamma=0.1)]

    def step(self, batch, mode):
        imgs, labels = batch
        preds = self.model(imgs)
        loss = F.cross_entropy(preds, labels)
        self.log(f"{mode}_loss", loss)
        self.log(f"{mode}_acc", (preds.argmax(dim=-1) == labels).float().mean())
        return loss

    def training_step(self, batch, batch_idx):
        return self.step(batch, "train")

    def validation_step(self, batch, batch_idx):
        self.step(batch, "val")

    def test_step(self, batch, batch_idx):
        self.step(batch, "test")


trainer = pl.Trainer(max_epochs=180, accelerator="auto", devices=1)
model = ViT({"embed_dim": 256, "hidden_dim": 512, "num_heads": 8, "num_layers": 6, "patch_size": 4,
             "num_channels": 3, "num_patches": 64, "num_classes": 10, "dropout": 0.2}, lr=3e-4)
trainer.fit(model, train_loader, val_loader)
trainer.test(model, test_loader)
