"""Where the grader's parts live, installed or in a checkout.

The wheel installs `autograde`, `reference` and `spec_tests` side by side, as they sit in a
checkout, so every path is found from this file: the same code grades from site-packages and
from a clone. Mutants and the machinery's tests live only in a checkout.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # site-packages, or the checkout
GRADER_DIR = PACKAGE_DIR / "autograde"
SPEC_DIR = PACKAGE_DIR / "spec_tests"
REFERENCE_DIR = PACKAGE_DIR / "reference"
CHECKOUT = PACKAGE_DIR if (PACKAGE_DIR / "pyproject.toml").is_file() else None
# The student kit (`pset3 kit`) ships no reference: its `ref` is the reference's answers recorded under
# the public seed (`autograde.spec.recording`), in this file. The staff build has the reference and no recording.
RECORDED_ANSWERS = GRADER_DIR / "spec" / "recorded" / "reference-answers.safetensors"
DEFAULT_RUBRIC = GRADER_DIR / "spec" / "rubric.toml"
# What a submission must never read, relative to PACKAGE_DIR wherever the package lies: the reference, the spec,
# the rubric and the recorded answers. The worker covers them in its root (`autograde.worker.isolation`); a
# container without namespaces closes them by permissions (`autograde.batch.gradescope.lockdown`).
REFERENCE_NAME = "reference"
ANSWERS = (REFERENCE_NAME, "spec_tests", str(DEFAULT_RUBRIC.relative_to(PACKAGE_DIR)),
           str(RECORDED_ANSWERS.parent.relative_to(PACKAGE_DIR)))
IS_KIT = not REFERENCE_DIR.is_dir()


def checkout_dir(what: str) -> Path:
    """The checkout, for what only a checkout has (the mutants, the machinery's tests)."""
    if CHECKOUT is None:
        raise FileNotFoundError(f"{what} lives only in a checkout of pset3-spec, not in the installed package "
                                f"({PACKAGE_DIR})")
    return CHECKOUT
