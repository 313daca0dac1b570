"""Mutant: answers 2.1b and 2.1c as if zero_grad left zero-filled grads (torch < 2.0 behaviour)."""

from reference import *

ANSWERS = {**ANSWERS, "2.1b": (True, True), "2.1c": (True, True)}
