"""A shipped conftest.py: the grader must never load it."""

raise RuntimeError("a submission's conftest.py was loaded")
