"""Failure clusters: the same mistake, made by many students under many seeds, as one entry.

A failed test's message is normalised before it is compared: what varies between students and
seeds is masked (numbers, tensor values, shapes, paths, file names, the student's own names), so
that two messages that differ only there fall into one cluster. A cluster is one question's
normalised message with every submission that got it and every spec test that gave it: a mistake
such as a missing name fails many tests of a question with one message, and is one cluster, named
by its first test. Problems across the batch (a package the
grader lacks, a download, a statement over its budget, a file that does not parse, tampering, a
submission failed closed) are read from each load report and clustered the same way, with no
question.
"""

from __future__ import annotations

import re
from collections import defaultdict
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
_TICKED = re.compile(r"`([^`\n]+)`")
_QUOTED = re.compile(r"(?<!named )'([A-Za-z_][\w.#]*)'")
_SPACES = re.compile(r"[ \t]+")
_DEFINES = re.compile(r"(it defines: )[^.\n]*")  # the missing-name message's list of the student's own names


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
    """A name every submission shares (a contract name, or one of its methods), not the student's own."""
    return name.split(".")[0] in _KEEP or name.startswith("<")


@dataclass(frozen=True)
class Cluster:
    """One mistake: a spec test's normalised message (or, for a problem across the batch, a load
    report's), with each submission that got it and one of their messages as it was."""

    question: str | None  # None: a problem across the batch
    tests: tuple[str, ...]  # the spec tests that gave it, sorted; for a problem across the batch, its kind
    message: str  # normalised
    submissions: tuple[str, ...]  # sorted
    example: str  # one member's message, as it was

    @property
    def test(self) -> str:
        return self.tests[0]

    @property
    def count(self) -> int:
        return len(self.submissions)

    def as_data(self) -> dict[str, object]:
        return {"question": self.question, "test": self.test, "message": self.message,
                "submissions": list(self.submissions), "count": self.count, "tests": list(self.tests)}


def _gather(found: Iterable[tuple[str | None, str, str, str]]) -> list[Cluster]:
    """(question, test, submission, raw message) -> clusters, largest first."""
    members: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    tests: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for question, test, name, message in found:
        key = (question, normalise(message))
        members[key].setdefault(name, message)
        tests[key].add(test)
    clusters = [Cluster(q, tuple(sorted(tests[(q, key)])), key, tuple(sorted(who)), who[min(who)])
                for (q, key), who in members.items()]
    return sorted(clusters, key=lambda c: (-c.count, c.question or "~", c.test, c.message))


def failure_clusters(batch: list[tuple[str, Results]]) -> list[Cluster]:
    """Each spec test's failures across the batch, one cluster per normalised message."""
    return _gather((q.id, test, name, message) for name, results in batch for q in results.questions
                   for test, message in q.failures)


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
    if "no network" in why:
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
    return _gather((None, kind, name, message) for name, results in batch
                   for kind, message in problems(results.output))
