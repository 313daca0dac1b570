"""Failures that belong to the implementation under test, not to the spec.

Each one fails the test that met it with its own short message instead of a traceback from deep
inside the machinery (the plugin shortens their reports). All carry plain strings only, so the
sandbox backend can rebuild them from JSON.
"""

from __future__ import annotations


class SubmissionProblem(Exception):
    """Base: something about the submission keeps a test from observing it."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail  # a longer text (a traceback) for reports that have room for it

    def __str__(self) -> str:
        return self.message


class MissingName(SubmissionProblem):
    """The submission does not define a contract name the test needs."""


class SubmissionImportError(SubmissionProblem):
    """The submission's code raised while it was being loaded."""


class ImplError(SubmissionProblem):
    """The implementation's own code raised inside a probe (a constructor, a forward, ...)."""


class ObservationError(SubmissionProblem):
    """The implementation ran but its result cannot be observed as asked (not a tensor, not plain
    data, weights that cannot be transplanted)."""


class Tampered(SubmissionProblem):
    """The submission replaced something the probes rely on (a torch function, a builtin, a probe): the
    grader fails it closed from then on, since nothing it observes after that is evidence."""
