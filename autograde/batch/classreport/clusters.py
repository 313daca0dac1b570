"""Failure clusters: the same mistake, made by many students under many seeds, as one entry.

A failed test's message is normalised before it is compared: what varies between students and
seeds is masked (numbers, tensor values, shapes, paths, file names, the student's own names), so
that two messages that differ only there fall into one cluster. A mistake is what a submission lost
on one question: the spec tests it failed there, each with its normalised message. A cluster is one
such mistake with every submission that made it, so one mistake is one cluster however many tests it
fails (a missing name fails a dozen with one message), and the same mistake under other seeds is the
same cluster. Problems across the batch (a package the
grader lacks, a download, a statement over its budget, a file that does not parse, tampering, a
submission failed closed) are read from each load report and clustered the same way, with no
question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from autograde.common.contract import CONTRACT_NAMES
from autograde.spec.results import Results

_KEEP = frozenset(CONTRACT_NAMES)
_TENSOR = re.compile(r"tensor\((?:[^()]|\([^()]*\))*\)", re.S)
_SIZE = re.compile(r"torch\.Size\(\[[^\]]*\]\)")
_SHAPE = re.compile(r"\[\s*-?\d+(?:\s*,\s*-?\d+)*\s*,?\s*\]|\(\s*-?\d+(?:\s*,\s*-?\d+)+\s*,?\s*\)")
_DIMENSIONS = re.compile(r"\b\d+(?:x\d+)+\b")
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.+@~-]+){2,}/?")
_FILE = re.compile(r"\b[\w.-]+\.(?:py|ipynb|toml|json|pt|pth|ckpt)\b")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w])")
_TICKED = re.compile(r"`([A-Za-z_][\w.#]*)`")  # a name, not code
_QUOTED = re.compile(r"(?<!named )'([A-Za-z_][\w.#]*)'")
_SPACES = re.compile(r"[ \t]+")
# A missing name's message goes on with the student's own names, then advice cut at a length that depends on
# them: the mistake is the name that is missing, said before this.
_DEFINES = re.compile(r"(; it defines: ).*")


def normalise(message: str) -> str:
    """`message` with what varies between students and seeds masked: tensor values, shapes, paths and
    file names, numbers, and names that are the student's own (backticked or quoted, unless a contract
    name, or a module named in "No module named")."""
    text = _DEFINES.sub(r"\1<names>", message)
    text = _TENSOR.sub("tensor(<values>)", text)
    text = _SIZE.sub("torch.Size(<shape>)", text)
    text = _SHAPE.sub("<shape>", text)
    text = _DIMENSIONS.sub("<shape>", text)
    text = _PATH.sub("<path>", text)
    text = _FILE.sub("<file>", text)
    text = _TICKED.sub(lambda m: m[0] if _known(m[1]) else "`<name>`", text)
    text = _QUOTED.sub(lambda m: m[0] if _known(m[1]) else "'<name>'", text)
    text = _NUMBER.sub("<n>", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.strip().splitlines())


def _known(name: str) -> bool:
    """A name every submission shares (a contract name or one of its attributes, a dunder), not the student's
    own."""
    return name.split(".")[0] in _KEEP or name.startswith(("<", "__"))  # a dunder is Python's


@dataclass(frozen=True)
class Cluster:
    """One mistake: a spec test's normalised message (or, for a problem across the batch, a load
    report's), with each submission that got it and one of their messages as it was."""

    question: str | None  # None: a problem across the batch
    failed: tuple[tuple[str, str], ...]  # (spec test, normalised message), sorted; a problem: (its kind, message)
    submissions: tuple[str, ...]  # sorted
    examples: tuple[tuple[str, str], ...]  # (spec test, message as it was) of one member, the first

    @property
    def test(self) -> str:
        """The spec test it came from (the first, where it failed several): for a problem, its kind."""
        return self.failed[0][0]

    @property
    def message(self) -> str:
        """The representative message, normalised: its first test's."""
        return self.failed[0][1]

    @property
    def example(self) -> str:
        return self.examples[0][1]

    @property
    def tests(self) -> tuple[str, ...]:
        return tuple(test for test, _ in self.failed)

    def by_message(self) -> list[tuple[list[str], str]]:
        """Its messages, each once: (the tests that gave it, one member's message as it was)."""
        raw = dict(self.examples)
        groups: dict[str, list[str]] = {}
        for test, message in self.failed:
            groups.setdefault(message, []).append(test)
        return [(tests, raw.get(tests[0], message)) for message, tests in groups.items()]

    @property
    def count(self) -> int:
        return len(self.submissions)

    def as_data(self) -> dict[str, object]:
        return {"question": self.question, "test": self.test, "message": self.message,
                "submissions": list(self.submissions), "count": self.count, "tests": list(self.tests),
                "messages": [message for _, message in self.failed]}


def _gather(found: Iterable[tuple[str | None, str, list[tuple[str, str]]]]) -> list[Cluster]:
    """(question, submission, [(test, raw message), ...]) -> clusters of equal mistakes, largest first."""
    members: dict[tuple[str | None, tuple[tuple[str, str], ...]], dict[str, tuple[tuple[str, str], ...]]] = {}
    for question, name, failed in found:
        mistake = tuple(sorted({(test, normalise(message)) for test, message in failed}))
        raw = tuple(sorted(failed, key=lambda pair: pair[0]))
        members.setdefault((question, mistake), {}).setdefault(name, raw)
    clusters = [Cluster(q, mistake, tuple(sorted(who)), who[min(who)]) for (q, mistake), who in members.items()]
    return sorted(clusters, key=lambda c: (-c.count, c.question or "~", c.test, c.message))


NOT_LOADED = "the submission did not load"  # a test's message when nothing of the submission could be loaded


def failure_clusters(batch: list[tuple[str, Results]]) -> list[Cluster]:
    """Each question's mistakes across the batch: one cluster per set of failed tests and their
    normalised messages. A submission that did not load at all is a problem across the batch, said
    once there, not a mistake of every question."""
    return _gather((q.id, name, failed) for name, results in batch for q in results.questions
                   if (failed := [(t, m) for t, m in q.failures if not m.startswith(NOT_LOADED)]))


# -- problems across the batch: read from each load report ----------------------------------------

_SKIPPED = re.compile(r"^\s+.+? \(.*\) (failed|was interrupted|was skipped|was not run): (.+)$")
_KINDS = (  # (kind, how a load report line starts); the rest of the line is the problem
    ("could not be graded", "This submission could not be graded: "),
    ("did not load", "The submission did not load: "),
    ("failed closed", "The grader failed the submission closed: "),
)
_PRINTED = "What the submission printed"


def _kind_of_skip(outcome: str, why: str) -> str:
    if "is not installed in the grader" in why:
        return "package not installed"
    if "no network" in why or "download" in why.lower():
        return "download or network"
    if outcome == "was interrupted" or "budget" in why:
        return "statement over its time budget"
    return f"statement {outcome}"


def problems(output: str) -> list[tuple[str, str]]:
    """(kind, message) for each problem a load report (results.json's `output`) names; the submission's
    own printed output, which it could shape to look like anything, is not read."""
    found = []
    for line in output.split(_PRINTED, 1)[0].splitlines():
        line = line.rstrip()
        if line.startswith("```") or not line.strip():
            continue
        if skipped := _SKIPPED.match(line):
            found.append((_kind_of_skip(skipped[1], skipped[2]), f"{skipped[1]}: {skipped[2]}"))
            continue
        for kind, start in _KINDS:
            if line.startswith(start):
                found.append((kind, line.removeprefix(start)))
                break
        else:
            if line.startswith(("timed out after", "the submission's process ended", "used more than",
                                "the worker broke")):
                found.append(("worker lost", line))
    return found


def problem_clusters(batch: list[tuple[str, Results]]) -> list[Cluster]:
    """Each kind of load problem across the batch: one cluster per normalised message, whatever else the
    submission's load report says."""
    return _gather((None, name, [problem]) for name, results in batch for problem in problems(results.output))
