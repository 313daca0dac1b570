"""Gradescope: the autograder bundle (`bundle`, `pset3 gradescope`) and what runs inside it (`autograder`).

Gradescope unpacks the zip into /autograder/source, runs setup.sh once to build the image, then
runs /autograder/run_autograder for each submission, which must leave
/autograder/results/results.json behind.
"""
