"""Mutant: answers 2.5 with the weight's shape transposed."""

from reference import *

ANSWERS = {**ANSWERS, "2.5": (100, 10)}
