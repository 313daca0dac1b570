"""Reference implementations of every contract name of the problem set (DESIGN.md section 2)."""

from reference.part2 import ANSWERS, LeNetRBF, LeNetSequential, MLPNet

__all__ = ["ANSWERS", "LeNetRBF", "LeNetSequential", "MLPNet"]
