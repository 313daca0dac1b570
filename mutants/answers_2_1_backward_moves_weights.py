"""Mutant: answers 2.1d as if backward already changed the weights."""

from reference import *

ANSWERS = {**ANSWERS, "2.1d": (False, True)}
