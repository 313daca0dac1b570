"""The synthetic CIFAR-10: the real on-disk format, full size, and md5 relaxed for it alone."""

import shutil

import numpy as np
import pytest
import torchvision

from autograde.common import synthetic_cifar


def test_torchvision_reads_it_only_with_the_relaxed_check(cifar_root):
    if not synthetic_cifar.is_synthetic(cifar_root):
        pytest.skip("--data-root points at a real CIFAR-10")
    with pytest.raises(RuntimeError, match="not found or corrupted"):
        torchvision.datasets.CIFAR10(cifar_root, train=True)
    with synthetic_cifar.relax_integrity_check():
        train = torchvision.datasets.CIFAR10(cifar_root, train=True)
        test = torchvision.datasets.CIFAR10(cifar_root, train=False)
    assert (len(train), len(test)) == (50_000, 10_000)
    assert train.classes == synthetic_cifar.CLASSES
    assert np.bincount(train.targets).tolist() == [5_000] * 10


def test_a_copy_without_the_marker_is_not_relaxed(cifar_root, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(cifar_root / synthetic_cifar.BASE_FOLDER, copy / synthetic_cifar.BASE_FOLDER)
    with synthetic_cifar.relax_integrity_check(), pytest.raises(RuntimeError, match="not found or corrupted"):
        torchvision.datasets.CIFAR10(copy, train=True)


def test_writing_is_deterministic_and_a_complete_root_is_reused(tmp_path, cifar_root):
    if not synthetic_cifar.is_synthetic(cifar_root):
        pytest.skip("--data-root points at a real CIFAR-10")
    root = synthetic_cifar.write(tmp_path / "again")
    for a, b in zip(synthetic_cifar.load_raw(root, False), synthetic_cifar.load_raw(cifar_root, False), strict=True):
        assert np.array_equal(a, b)
    stamp = (root / synthetic_cifar.BASE_FOLDER / "test_batch").stat().st_mtime_ns
    assert synthetic_cifar.write(root) == root
    assert (root / synthetic_cifar.BASE_FOLDER / "test_batch").stat().st_mtime_ns == stamp


def test_missing_files_are_named(tmp_path):
    assert "cifar-10-batches-py/data_batch_1" in synthetic_cifar.missing_files(tmp_path)
