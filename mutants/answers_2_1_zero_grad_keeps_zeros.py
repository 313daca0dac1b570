"""Mutant: answers 2.1b as if zero_grad left zero-filled grads (torch < 2.0 behaviour)."""

from reference import *

ANSWERS = {**ANSWERS, "2.1b": (True, True)}
