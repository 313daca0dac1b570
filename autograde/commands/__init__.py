"""The `pset3` command line and the staff's tools behind it: the student kit, the template, the mutants and
their kill matrix, `pset3 map` and `pset3 train`.
"""
