"""Mutant: answers 2.1a as if a fresh net had zero-filled grads."""

from reference import *

ANSWERS = {**ANSWERS, "2.1a": (True, True)}
