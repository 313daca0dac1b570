"""Question 1.7: the ViT LightningModule under Trainer(fast_dev_run=5)."""

import pytest
import torch

from autograde.common.problemset import TINY_CONFIG, UVA_LR
from autograde.spec.checks import choose

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
@pytest.mark.parametrize("stage", ["val", "test"])
def test_logged_accuracy_is_that_of_the_batches(fitted, stage):
    seen = fitted["outputs"][stage]
    truth = (seen["outputs"].argmax(dim=-1) == seen["labels"]).float().mean().item()
    logged = (fitted["fit_values"] if stage == "val" else fitted["test_values"]).get(f"{stage}_acc")
    assert logged == pytest.approx(truth, abs=1e-6), (
        f"{stage}_acc was logged as {logged}, but the fitted module classifies {truth:.4f} of those {stage} "
        f"batches' {len(seen['labels'])} images correctly: log the fraction of correct predictions, "
        f"(preds == labels).float().mean()")


@pytest.mark.question("1.7")
def test_module_builds_its_model_from_model_kwargs(impl, ref):
    config = {**TINY_CONFIG, "embed_dim": choose((8, 24), seed=26), "num_layers": choose((2, 3), seed=27)}
    observed = sorted(p.shape for p in impl.parameters("ViT", init=(config, UVA_LR)))
    expected = sorted(p.shape for p in ref.parameters("ViT", init=(config, UVA_LR)))
    assert observed == expected, (
        f"ViT({config}, lr) holds parameters of shapes {observed}, the reference's {expected}: build the "
        f"VisionTransformer from model_kwargs (VisionTransformer(**model_kwargs))")


@pytest.fixture(scope="module")
def optimization(impl):
    lr = choose((1e-3, 5e-4, 2e-3), seed=19)  # not the handout's 3e-4: ViT(model_kwargs, lr) must use its lr
    return lr, impl.optimization("ViT", init=(TINY_CONFIG, lr))


def adamw_steps(start, grads, lr, weight_decay):
    """What torch's AdamW does from `start` on `grads`: the truth a submission's optimiser is held to."""
    params = {n: p.clone().requires_grad_() for n, p in start.items()}
    optimizer = torch.optim.AdamW(params.values(), lr=lr, weight_decay=weight_decay)
    for step in grads:
        for n, p in params.items():
            p.grad = step[n].clone()
        optimizer.step()
    return {n: p.detach() for n, p in params.items()}


def decay_rate(start, after_zero_grads, lr):
    """The weight decay a step on gradients of zeros shows: AdamW's decoupled decay multiplies every
    weight by (1 - lr * weight_decay) and nothing else moves it."""
    ratios = torch.cat([(1 - after_zero_grads[n] / p)[p.abs() > 1e-2].flatten() for n, p in start.items()])
    return ratios.median().item() / lr if ratios.numel() else 0.0


@pytest.mark.question("1.7")
def test_optimizer_steps_as_adamw_with_its_lr(optimization):
    lr, seen = optimization
    assert seen["optimizers"] == 1, f"configure_optimizers gave {seen['optimizers']} optimisers, expected one AdamW"
    decay = decay_rate(seen["start"], seen["after"][0], lr)
    assert decay > 1e-6, (
        "a step on gradients of zeros left the weights where they were: AdamW decays every weight by "
        "lr * weight_decay on each step, decoupled from the gradient (torch's default weight_decay is 0.01)")
    expected = adamw_steps(seen["start"], seen["grads"], lr, decay)
    wrong = [n for n in expected if not torch.allclose(seen["after"][-1][n], expected[n], rtol=1e-4, atol=1e-7)]
    assert not wrong, (
        f"after {len(seen['grads'])} steps on known gradients, {len(wrong)} of {len(expected)} parameter tensors "
        f"(first {wrong[0]}) are not where torch.optim.AdamW(lr={lr}, weight_decay={decay:.3g}) puts them: "
        f"use AdamW with the module's lr, over all its parameters")


@pytest.mark.question("1.7")
def test_learning_rate_drops_tenfold_at_epochs_100_and_150(optimization):
    lr, seen = optimization
    assert seen["interval"] == "epoch", f"the scheduler steps every {seen['interval']}, expected every epoch"
    expected = [lr * 0.1 ** sum(epoch >= m for m in (100, 150)) for epoch in range(len(seen["rates"]))]
    wrong = [e for e, (got, want) in enumerate(zip(seen["rates"], expected, strict=True))
             if got != pytest.approx(want, rel=1e-6)]
    assert seen["rates"] and not wrong, (
        f"the learning rate over epochs 0-199 should be {lr} until epoch 100, {lr * 0.1:.3g} until 150, then "
        f"{lr * 0.01:.3g} (MultiStepLR(milestones=[100, 150], gamma=0.1)); it is "
        + (f"{seen['rates'][wrong[0]]:.3g} at epoch {wrong[0]}" if wrong else "never set (no optimiser)"))
