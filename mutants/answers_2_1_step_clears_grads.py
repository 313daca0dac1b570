"""Mutant: answers 2.1e as if optimizer.step consumed the gradients."""

from reference import *

ANSWERS = {**ANSWERS, "2.1e": (False, False)}
