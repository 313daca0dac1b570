"""Questions 3.1 and 3.2: the CIFAR-10 loaders and a batch. The tutorial CNN (3.2) is tested with the
other models in test_models.py."""

import pytest

from autograde.spec.checks import assert_shape, choose


@pytest.fixture(scope="module")
def loaders(impl, cifar_root):
    return impl.loaders("make_loaders", cifar_root)


@pytest.mark.question("3.1")
def test_train_loader_shuffles_the_50000_training_images(loaders):
    train = loaders["train"]
    assert (train["length"], train["base"]) == (50_000, "train"), (
        f"the train loader reads {train['length']:,} {train['base']} images, expected the 50,000 training images")
    first, second = train["first_indices"]
    assert first != second, f"two passes over the train loader start in the same order {first[:8]}: shuffle=True"


@pytest.mark.question("3.1")
def test_test_loader_reads_the_10000_test_images_in_order(loaders):
    test = loaders["test"]
    assert (test["length"], test["base"]) == (10_000, "test"), (
        f"the test loader reads {test['length']:,} {test['base']} images, expected the 10,000 test images")
    assert test["first_indices"] == [list(range(16))] * 2, (
        f"the test loader starts with images {test['first_indices'][0][:8]}: keep it in order (shuffle=False)")


@pytest.mark.question("3.2")
def test_a_training_batch_is_4_images_of_3x32x32(loaders):
    batch = loaders["first_batch"]
    assert isinstance(batch, list) and len(batch) == 2, f"a batch should be (images, labels), got {type(batch)}"
    assert_shape(batch[0], (4, 3, 32, 32), "the first training batch's images")
    assert_shape(batch[1], (4,), "the first training batch's labels")


@pytest.mark.question("3.2")
def test_batch_size_is_the_one_asked_for(impl, cifar_root):
    size = choose((3, 5, 6, 7), seed=23)  # not the default 4: make_loaders(root, batch_size) must use it
    loaders = impl.loaders("make_loaders", cifar_root, batch_size=size)
    batch = loaders["first_batch"]
    assert isinstance(batch, list) and len(batch) == 2, f"a batch should be (images, labels), got {type(batch)}"
    assert_shape(batch[0], (size, 3, 32, 32), f"the first training batch's images with batch_size={size}")
    assert loaders["test"]["batch_size"] == size, (
        f"make_loaders(root, batch_size={size}) gave a test loader with batch_size {loaders['test']['batch_size']}")
