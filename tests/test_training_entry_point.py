"""The reference's real-training entry point, run for a few batches: callbacks and checkpoint work."""

from reference.part1 import TINY_CONFIG, train_vit


def test_train_vit_checkpoints_the_best_val_acc(cifar_root, tmp_path):
    from autograde.common.synthetic_cifar import relax_integrity_check

    with relax_integrity_check():
        model, accuracies = train_vit(cifar_root, tmp_path, model_kwargs=TINY_CONFIG, max_epochs=1, batch_size=32,
                                      num_workers=0, limit_train_batches=3, limit_val_batches=2, limit_test_batches=2,
                                      accelerator="cpu", enable_progress_bar=False, enable_model_summary=False,
                                      log_every_n_steps=1)
    assert sorted(accuracies) == ["test_acc", "val_acc"] and all(0 <= a <= 1 for a in accuracies.values())
    checkpoints = list(tmp_path.rglob("*.ckpt"))
    assert len(checkpoints) == 1, checkpoints
    assert model.hparams.model_kwargs == TINY_CONFIG
