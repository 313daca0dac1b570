import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import optim

from vit.vitnet import VisionTransformer


class ViT(pl.LightningModule):
    def __init__(self, model_kwargs, lr):
        super().__init__()
        self.save_hyperparameters()
        self.model = VisionTransformer(**model_kwargs)

    def forward(self, x):
        return self.model(x)

    def configure_optimizers(self):
        opt = optim.AdamW(self.parameters(), lr=self.hparams.lr)
        sched = optim.lr_scheduler.MultiStepLR(opt, milestones=[100, 150], gamma=0.1)
        return [opt], [sched]

    def _step(self, batch, mode):
        imgs, labels = batch
        logits = self.model(imgs)
        loss = F.cross_entropy(logits, labels)
        acc = (logits.argmax(dim=-1) == labels).float().mean()
        self.log(f"{mode}_loss", loss)
        self.log(f"{mode}_acc", acc)
        return loss

    def training_step(self, batch, batch_idx):
        return self._step(batch, "train")

    def validation_step(self, batch, batch_idx):
        self._step(batch, "val")

    def test_step(self, batch, batch_idx):
        self._step(batch, "test")


if __name__ == "__main__":
    from torch.utils.data import DataLoader
    from vit.util import make_cifar10_splits

    train_set, val_set, test_set = make_cifar10_splits("data/")
    train_loader = DataLoader(train_set, batch_size=128, shuffle=True, drop_last=True, num_workers=4)
    val_loader = DataLoader(val_set, batch_size=128, num_workers=4)
    test_loader = DataLoader(test_set, batch_size=128, num_workers=4)
    model = ViT({"embed_dim": 256, "hidden_dim": 512, "num_heads": 8, "num_layers": 6,
                 "patch_size": 4, "num_channels": 3, "num_patches": 64, "num_classes": 10,
                 "dropout": 0.2}, lr=3e-4)
    trainer = pl.Trainer(max_epochs=180, accelerator="auto", devices=1)
    trainer.fit(model, train_loader, val_loader)
    trainer.test(model, test_loader)
