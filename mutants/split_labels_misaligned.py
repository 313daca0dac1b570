"""Mutant: validation items carry the label at their position, not their image's label."""

from reference import *
from reference import part1


class MisalignedSubset(part1.TransformedSubset):
    def __getitem__(self, i):
        image, _ = self.dataset[self.indices[i]]
        return self.transform(image), self.dataset.targets[i]


def make_cifar10_splits(root, seed=42):
    train_set, val_set, test_set = part1.make_cifar10_splits(root, seed)
    return train_set, MisalignedSubset(val_set.dataset, val_set.indices, val_set.transform), test_set
