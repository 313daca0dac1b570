"""Question 1.7: the ViT LightningModule under Trainer(fast_dev_run=5)."""

import pytest

from autograde.problemset import TINY_CONFIG, UVA_LR

INIT = (TINY_CONFIG, UVA_LR)  # what ViT(model_kwargs, lr) is built with: the plumbing, not the model, is graded


@pytest.fixture(scope="module")
def fitted(impl):
    return impl.fit("ViT", init=INIT, fast_dev_run=5)


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
    config = impl.optimizers("ViT", init=INIT)
    opts, scheds = config["optimizers"], config["schedulers"]
    assert [o["type"] for o in opts] == ["AdamW"], f"optimisers: {opts}, expected one AdamW"
    assert opts[0]["lr"] == pytest.approx(UVA_LR) and opts[0]["covers"] == config["parameters"], (
        f"AdamW must take lr={UVA_LR} and all {config['parameters']} parameter tensors: {opts[0]}")
    assert scheds == [{"type": "MultiStepLR", "milestones": [100, 150], "gamma": pytest.approx(0.1)}], (
        f"schedulers: {scheds}, expected MultiStepLR(milestones=[100, 150], gamma=0.1)")
