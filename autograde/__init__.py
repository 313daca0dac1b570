"""The grading machinery: the pytest plugin, submission loading, probes, transport, the `pset3` CLI."""

__version__ = "0.1.0"
