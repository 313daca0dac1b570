"""Running the spec on submissions: one spec run in its own process, `pset3 grade`'s batch and its runners
(here, or on Ray), and the Gradescope autograder.
"""
