"""`pset3 train`: real training runs of the reference models, checked here on a few batches."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from autograde.commands.train import TrainingError, check_data_root, check_device
from autograde.common import synthetic_cifar

REPO = Path(__file__).resolve().parent.parent


def pset3(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograde", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize("model", ["cnn", "vit"])
def test_a_short_run_writes_checkpoint_history_and_plot(cifar_root, tmp_path, model):
    if not synthetic_cifar.is_synthetic(cifar_root):
        pytest.skip("needs the synthetic CIFAR-10")
    out = tmp_path / model
    run = pset3("train", model, "--data-root", str(cifar_root), "--epochs", "2", "--limit-batches", "8",
                "--small", "--out", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert list(out.rglob("*.pt")) or list(out.rglob("*.ckpt")), list(out.rglob("*"))
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert len(rows) >= 4 and float(rows[-1]["epoch"]) == 2.0, rows
    assert all(0 <= float(r["train_acc"]) <= 1 for r in rows if r.get("train_acc"))
    assert (out / "history.png").stat().st_size > 10_000


def test_a_folder_without_cifar_says_what_it_looked_for(tmp_path):
    run = pset3("train", "cnn", "--data-root", str(tmp_path), cwd=tmp_path)
    assert run.returncode == 2
    assert "holds no CIFAR-10: looked for cifar-10-batches-py/data_batch_1" in run.stderr
    assert "cifar-10-python.tar.gz" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["train", "resnet", "--synthetic"], "invalid choice: 'resnet'"),
    (["train", "cnn"], "one of the arguments --data-root --synthetic is required"),
    (["train", "cnn", "--synthetic", "--epochs", "0"], "argument --epochs: must be at least 1"),
])
def test_usage_errors(tmp_path, args, message):
    run = pset3(*args, cwd=tmp_path)
    assert run.returncode == 2 and message in run.stderr, run.stderr


def test_devices_are_checked():
    assert check_device("cpu").type == "cpu"
    with pytest.raises(TrainingError, match="unknown device 'gpu0'"):
        check_device("gpu0")
    with pytest.raises(TrainingError, match="unsupported device 'meta'"):
        check_device("meta")


def test_data_root_check_accepts_the_synthetic_root(cifar_root):
    check_data_root(cifar_root)
