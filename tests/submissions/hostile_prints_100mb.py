"""Hostile: prints 100 MB while being loaded, then answers Part 2's questions rightly."""

import sys

for _ in range(100):
    sys.stdout.write("x" * 1_000_000)
sys.stdout.flush()

ANSWERS = {"2.1a": (True, False), "2.1b": (True, False), "2.1c": (True, False), "2.1d": (True, True),
           "2.1e": (False, True), "2.4": 4, "2.5": (10, 100)}
