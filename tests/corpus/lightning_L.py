"""Part 1: Vision Transformer on CIFAR-10 with Lightning 2.x (`import lightning as L`)."""
import os

import lightning as L
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torch.utils.data as data
import torchvision
from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint
from torchvision import transforms
from torchvision.datasets import CIFAR10

DATASET_PATH = os.environ.get("PATH_DATASETS", "data/")
CHECKPOINT_PATH = os.environ.get("PATH_CHECKPOINT", "saved_models/VisionTransformers/")

L.seed_everything(42)
torch.backends.cudnn.deterministic = True
torch.backends.cudnn.benchmark = False
device = torch.device("cuda:0") if torch.cuda.is_available() else torch.device("cpu")

MEANS = [0.49139968, 0.48215841, 0.44653091]
STDS = [0.24703223, 0.24348513, 0.26158784]


class Transformed(data.Dataset):
    def __init__(self, subset, transform):
        self.dataset, self.transform = subset, transform

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        x, y = self.dataset[i]
        return self.transform(x), y


def make_cifar10_splits(root, seed=42):
    plain = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEANS, STDS)])
    augmented = transforms.Compose([transforms.RandomHorizontalFlip(),
                                    transforms.RandomResizedCrop((32, 32), scale=(0.8, 1.0), ratio=(0.9, 1.1)),
                                    *plain.transforms])
    everything = CIFAR10(root=root, train=True, download=False)
    train_part, val_part = data.random_split(everything, [45000, 5000],
                                             generator=torch.Generator().manual_seed(seed))
    test_set = CIFAR10(root=root, train=False, transform=plain, download=False)
    return Transformed(train_part, augmented), Transformed(val_part, plain), test_set


train_set, val_set, test_set = make_cifar10_splits(DATASET_PATH)
train_loader = data.DataLoader(train_set, batch_size=128, shuffle=True, drop_last=True, num_workers=4)
val_loader = data.DataLoader(val_set, batch_size=128, shuffle=False, num_workers=4)
test_loader = data.DataLoader(test_set, batch_size=128, shuffle=False, num_workers=4)


def image_grid(images):
    return torchvision.utils.make_grid(images, nrow=4, normalize=True, pad_value=0.9).permute(1, 2, 0)


def img_to_patch(x, patch_size, flatten_channels=True):
    B, C, H, W = x.shape
    x = x.reshape(B, C, H // patch_size, patch_size, W // patch_size, patch_size)
    x = x.permute(0, 2, 4, 1, 3, 5).flatten(1, 2)
    if flatten_channels:
        x = x.flatten(2, 4)
    return x


images = torch.stack([val_set[i][0] for i in range(4)])
plt.imshow(image_grid(images))
plt.show()


class AttentionBlock(nn.Module):
    def __init__(self, embed_dim, hidden_dim, num_heads, dropout=0.0):
        super().__init__()
        self.layer_norm_1 = nn.LayerNorm(embed_dim)
        self.attn = nn.MultiheadAttention(embed_dim, num_heads)
        self.layer_norm_2 = nn.LayerNorm(embed_dim)
        self.linear = nn.Sequential(
            nn.Linear(embed_dim, hidden_dim), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(hidden_dim, embed_dim), nn.Dropout(dropout),
        )

    def forward(self, x):
        h = self.layer_norm_1(x)
        x = x + self.attn(h, h, h)[0]
        x = x + self.linear(self.layer_norm_2(x))
        return x


class VisionTransformer(nn.Module):
    def __init__(self, embed_dim, hidden_dim, num_channels, num_heads, num_layers, num_classes, patch_size,
                 num_patches, dropout=0.0):
        super().__init__()
        self.patch_size = patch_size
        self.input_layer = nn.Linear(num_channels * patch_size ** 2, embed_dim)
        self.transformer = nn.Sequential(*[AttentionBlock(embed_dim, hidden_dim, num_heads, dropout=dropout)
                                           for _ in range(num_layers)])
        self.mlp_head = nn.Sequential(nn.LayerNorm(embed_dim), nn.Linear(embed_dim, num_classes))
        self.dropout = nn.Dropout(dropout)
        self.cls_token = nn.Parameter(torch.randn(1, 1, embed_dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, 1 + num_patches, embed_dim))

    def forward(self, x):
        x = img_to_patch(x, self.patch_size)
        B, T, _ = x.shape
        x = self.input_layer(x)
        cls = self.cls_token.repeat(B, 1, 1)
        x = torch.cat([cls, x], dim=1)
        x = x + self.pos_embedding[:, : T + 1]
        x = self.dropout(x)
        x = x.transpose(0, 1)
        x = self.transformer(x)
        return self.mlp_head(x[0])


class ViT(L.LightningModule):
    def __init__(self, model_kwargs, lr):
        super().__init__()
        self.save_hyperparameters()
        self.model = VisionTransformer(**model_kwargs)

    def forward(self, x):
        return self.model(x)

    def configure_optimizers(self):
        optimizer = optim.AdamW(self.parameters(), lr=self.hparams.lr)
        lr_scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[100, 150], gamma=0.1)
        return [optimizer], [lr_scheduler]

    def _calculate_loss(self, batch, mode="train"):
        imgs, labels = batch
        preds = self.model(imgs)
        loss = F.cross_entropy(preds, labels)
        acc = (preds.argmax(dim=-1) == labels).float().mean()
        self.log_dict({f"{mode}_loss": loss, f"{mode}_acc": acc})
        return loss

    def training_step(self, batch, batch_idx):
        return self._calculate_loss(batch, mode="train")

    def validation_step(self, batch, batch_idx):
        self._calculate_loss(batch, mode="val")

    def test_step(self, batch, batch_idx):
        self._calculate_loss(batch, mode="test")


def train_model(**kwargs):
    trainer = L.Trainer(
        default_root_dir=os.path.join(CHECKPOINT_PATH, "ViT"),
        accelerator="auto",
        devices=1,
        max_epochs=180,
        callbacks=[ModelCheckpoint(save_weights_only=True, mode="max", monitor="val_acc"),
                   LearningRateMonitor("epoch")],
    )
    L.seed_everything(42)
    model = ViT(**kwargs)
    trainer.fit(model, train_loader, val_loader)
    model = ViT.load_from_checkpoint(trainer.checkpoint_callback.best_model_path)
    val_result = trainer.test(model, dataloaders=val_loader, verbose=False)
    test_result = trainer.test(model, dataloaders=test_loader, verbose=False)
    return model, {"test": test_result[0]["test_acc"], "val": val_result[0]["test_acc"]}


model, results = train_model(
    model_kwargs={"embed_dim": 256, "hidden_dim": 512, "num_heads": 8, "num_layers": 6, "patch_size": 4,
                  "num_channels": 3, "num_patches": 64, "num_classes": 10, "dropout": 0.2},
    lr=3e-4,
)
print("ViT results", results)
