"""Question 1.7: the ViT LightningModule under Trainer(fast_dev_run=5)."""

import pytest

TINY = {"embed_dim": 32, "hidden_dim": 64, "num_heads": 2, "num_layers": 1, "patch_size": 8, "num_channels": 3,
        "num_patches": 16, "num_classes": 10, "dropout": 0.0}
LR = 3e-4


@pytest.fixture(scope="module")
def fitted(impl):
    return impl.fit("ViT", init=(TINY, LR), fast_dev_run=5)


@pytest.mark.question("1.7")
def test_fast_dev_run_runs_5_batches_in_each_stage(fitted):
    assert fitted["batches"] == {"train": 5, "val": 5, "test": 5}, f"batches run per stage: {fitted['batches']}"


@pytest.mark.question("1.7")
def test_fast_dev_run_leaves_no_file(fitted):
    assert fitted["files_in_root"] == [], f"written under default_root_dir: {fitted['files_in_root']}"
    assert fitted["files_in_cwd"] == [], f"written in the working directory: {fitted['files_in_cwd']}"


@pytest.mark.question("1.7")
def test_logs_training_validation_and_test_metrics(fitted):
    missing = [m for m in ("train_loss", "train_acc", "val_acc") if m not in fitted["fit_metrics"]]
    assert not missing, f"after fit, logged {fitted['fit_metrics']}; missing {missing}"
    assert "test_acc" in fitted["test_metrics"], f"after test, logged {fitted['test_metrics']}; missing test_acc"


@pytest.mark.question("1.7")
def test_optimizer_is_adamw_with_multisteplr_100_150(impl):
    config = impl.optimizers("ViT", init=(TINY, LR))
    opts, scheds = config["optimizers"], config["schedulers"]
    assert [o["type"] for o in opts] == ["AdamW"], f"optimisers: {opts}, expected one AdamW"
    assert opts[0]["lr"] == pytest.approx(LR) and opts[0]["covers"] == config["parameters"], (
        f"AdamW must take lr={LR} and all {config['parameters']} parameter tensors: {opts[0]}")
    assert scheds == [{"type": "MultiStepLR", "milestones": [100, 150], "gamma": pytest.approx(0.1)}], (
        f"schedulers: {scheds}, expected MultiStepLR(milestones=[100, 150], gamma=0.1)")
