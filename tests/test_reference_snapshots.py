"""Snapshots of the reference ViT and attention block: structure and rounded outputs under fixed seeds.

A change to any of these fails with syrupy's diff; accept it deliberately with `--snapshot-update`
and have the diff reviewed.
"""

import pytest

from autograde.spec.checks import rand
from reference.part1 import UVA_CONFIG

MODELS = {
    "VisionTransformer": (UVA_CONFIG, (2, 3, 32, 32)),
    "AttentionBlock": ((256, 512, 8, 0.2), (65, 2, 256)),
}


def summary(tensor):
    """Rounded numbers that move when the computation does, and not with float noise."""
    flat = tensor.flatten()
    return {"shape": list(tensor.shape), "mean": round(flat.mean().item(), 4), "std": round(flat.std().item(), 4),
            "first": [round(v, 4) for v in flat[:4].tolist()]}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_module_tree(ref, snapshot, name):
    assert [list(m) for m in ref.modules(name, init=MODELS[name][0])] == snapshot


@pytest.mark.parametrize("name", sorted(MODELS))
def test_parameter_table(ref, snapshot, name):
    assert [[p.name, list(p.shape), p.requires_grad] for p in ref.parameters(name, init=MODELS[name][0])] == snapshot


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_output_summary(ref, snapshot, name, seed):
    init, shape = MODELS[name]
    assert summary(ref.forward(name, rand(*shape, seed=seed), init=init, seed=seed)) == snapshot
