"""The grading seed: every seed the spec draws weights and inputs from is derived from it.

Spec tests name small seeds (`rand(..., seed=1)`, `ref.state(..., seed=2)`, the probes' defaults);
`derive` turns each into this run's seed. Seed 0, the default of a plain `pytest` run (CI, the
reference), derives every seed as itself, so those runs see the inputs they always did. Grading draws a
fresh seed per run (`--seed random`): the public spec's inputs and weights are then unknown in advance,
so its outputs cannot be memorised, and results.json records the seed so that a regrade with it
reproduces the grade exactly.

A random seed is drawn on first use, never before: the sandboxed worker is forked from the spec's
process before any test runs, and must not find the seed in its memory (nor on a command line).
"""

from __future__ import annotations

import argparse
import hashlib
import secrets

FIXED = 0
RANDOM = "random"

_seed: int | None = FIXED  # None: draw one when first asked


def configure(value: str | int) -> None:
    """`--seed`: an integer, or "random" for a fresh one per run."""
    global _seed
    _seed = None if value == RANDOM else parse(value)


def option(value: str) -> str:
    """`--seed` as the command lines take it (argparse's `type`): "random" or a valid integer."""
    if value != RANDOM:
        try:
            parse(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r}: give an integer in [0, 2**31) or '{RANDOM}'") from None
    return value


def parse(value: str | int) -> int:
    seed = int(value)
    if not 0 <= seed < 2**31:
        raise ValueError(f"a seed is an integer in [0, 2**31), not {value}")
    return seed


def grading_seed() -> int:
    """This run's seed (drawn now if the run asked for a random one)."""
    global _seed
    if _seed is None:
        _seed = secrets.randbits(31)
    return _seed


def derive(offset: int) -> int:
    """The seed a spec test's `seed=offset` stands for in this run: `offset` itself under seed 0."""
    base = grading_seed()
    if base == FIXED:
        return int(offset)
    digest = hashlib.blake2b(f"{base}:{int(offset)}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") >> 1  # [0, 2**31): numpy, random_split and seed_everything take it
