"""Mutant: answers 2.4 with the number of layers instead of parameter tensors."""

from reference import *

ANSWERS = {**ANSWERS, "2.4": 2}
