"""Question 1.1: the CIFAR-10 split: 45,000 / 5,000 / 10,000, drawn once, then transformed lazily."""

import numpy as np
import pytest
import torch

from autograde.common.problemset import DATA_MEANS, DATA_STD, TRAIN_SIZE, VAL_SIZE
from autograde.spec.checks import choose

# The problem set's published constants (split sizes, normalisation) come from their one home, the reference.
TRAINING_IMAGES = TRAIN_SIZE + VAL_SIZE  # CIFAR-10's 50,000; its test set is 10,000
MEAN = torch.tensor(DATA_MEANS).view(3, 1, 1)
STD = torch.tensor(DATA_STD).view(3, 1, 1)
POSITIONS = [0, 1, 2, 3, 4, 5, 6, 7]
READS = {"train": POSITIONS, "val": POSITIONS, "test": POSITIONS}
SPLIT = "make_cifar10_splits"


@pytest.fixture(scope="module")
def split42(impl, cifar_root):
    return impl.splits(SPLIT, cifar_root, seed=42, reads=READS)


def indices(observed, split):
    found = observed[split]["indices"]
    assert found is not None, (
        f"cannot tell which CIFAR-10 images the {split} set holds: its items were not read through "
        f"torchvision's CIFAR10 (return Subsets of it, or datasets that index into it)")
    return found


def expected_image(cifar_raw, base, index):
    """What an unaugmented item must be: ToTensor then Normalize with the CIFAR-10 statistics."""
    raw = torch.from_numpy(np.ascontiguousarray(cifar_raw.image(base, index))).permute(2, 0, 1).float() / 255
    return (raw - MEAN) / STD


@pytest.mark.question("1.1")
def test_split_sizes_are_45000_5000_10000(split42):
    sizes = {s: split42[s]["length"] for s in ("train", "val", "test")}
    assert sizes == {"train": TRAIN_SIZE, "val": VAL_SIZE, "test": 10_000}, f"split sizes {sizes}"


@pytest.mark.question("1.1")
def test_train_and_val_are_disjoint_and_cover_all_training_images(split42):
    train, val = indices(split42, "train"), indices(split42, "val")
    assert split42["train"]["base"] == split42["val"]["base"] == "train", (
        "train and val must come from the training images")
    overlap = len(set(train.tolist()) & set(val.tolist()))
    assert overlap == 0, f"{overlap} images are in both train and val: draw ONE split and use both halves"
    covered = torch.cat([train, val]).unique()
    assert len(covered) == TRAINING_IMAGES and covered.min() == 0 and covered.max() == TRAINING_IMAGES - 1, (
        f"train and val together hold {len(covered)} distinct training images, expected all {TRAINING_IMAGES:,}")
    test = indices(split42, "test")
    assert split42["test"]["base"] == "test" and sorted(test.tolist()) == list(range(10_000)), (
        "the test set must be the 10,000 CIFAR-10 test images")


@pytest.mark.question("1.1")
def test_same_seed_same_split_other_seed_other_split(impl, cifar_root, split42):
    again = impl.splits(SPLIT, cifar_root, seed=42)
    seed = choose(range(43, 10_000), seed=24)  # another seed than the default, drawn from the grading seed
    other = impl.splits(SPLIT, cifar_root, seed=seed)
    assert torch.equal(indices(again, "val"), indices(split42, "val")), "seed 42 twice gave two different splits"
    assert set(indices(other, "val").tolist()) != set(indices(split42, "val").tolist()), (
        f"seeds 42 and {seed} gave the same validation set: split with a generator seeded from `seed`")


@pytest.mark.question("1.1")
def test_labels_belong_to_their_images(split42, cifar_raw):
    for split in ("train", "val", "test"):
        for position, reads in zip(POSITIONS, split42[split]["items"], strict=True):
            item = reads[0]
            assert item["base"] is not None, f"{split}_set[{position}] was not read from torchvision's CIFAR10"
            base, index = item["base"]
            truth = cifar_raw.label("train" if base else "test", index)
            assert item["label"] == truth, (
                f"{split}_set[{position}] shows image {index} with label {item['label']!r}; its label is {truth}")


@pytest.mark.question("1.1")
def test_training_items_are_reaugmented_on_every_read(split42):
    for position, (first, second) in zip(POSITIONS, split42["train"]["items"], strict=True):
        assert isinstance(first["image"], torch.Tensor), f"train_set[{position}] image is a {type(first['image'])}"
        assert not torch.equal(first["image"], second["image"]), (
            f"two reads of train_set[{position}] gave the same image: augment when an item is read, "
            f"not once when the split is built")


@pytest.mark.question("1.1")
@pytest.mark.parametrize("split", ["val", "test"])
def test_evaluation_items_are_fixed_and_normalised(split42, cifar_raw, split):
    for position, (first, second) in zip(POSITIONS, split42[split]["items"], strict=True):
        assert torch.equal(first["image"], second["image"]), (
            f"two reads of {split}_set[{position}] differ: {split} images must not be augmented")
        base, index = first["base"]
        expected = expected_image(cifar_raw, "train" if base else "test", index)
        observed = first["image"]
        assert tuple(observed.shape) == (3, 32, 32), f"{split}_set[{position}] has shape {list(observed.shape)}"
        worst = (observed.float() - expected).abs().max().item()
        assert worst < 1e-5, (
            f"{split}_set[{position}] differs from ToTensor + Normalize(mean, std) of its image by up to {worst:.3g}: "
            f"normalise with mean {MEAN.flatten().tolist()} and std {STD.flatten().tolist()}")


@pytest.mark.question("1.1")
def test_building_the_split_transforms_nothing(split42):
    reads = split42["construction_reads"]
    assert reads == 0, (
        f"building the split read {reads:,} images: split first, and transform each item when it is read")
