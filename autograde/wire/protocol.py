"""Every message between the spec process and the sandboxed worker, declared once.

The spec process starts the worker with a `Config` and sends it `Request`s. The worker answers,
in frames on its own pipe (`autograde.wire.frames`): an event as it starts (and ends) each
top-level statement of the submission while loading (`StatementEvent`), one `Hello` when it is ready, then one
`Answer` per request. Both sides encode and decode through these classes, and nowhere else.

What the worker sends is untrusted: the submission runs in that process and can write to the pipe
itself. So every decode checks each field's type, and a message that is not one of these (a
malformed field, an error kind outside `ERROR_KINDS`) raises `ProtocolError`, which fails the
submission closed. An error kind names its class through the explicit table, never by looking a
name sent by the worker up in a module. Standard library only: requests and answers
become frames through `autograde.wire.transport` (`as_data`, `from_data`), whose functions each side
takes before any submission code runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from autograde.common import errors

Frame = tuple[str, bytes]  # a frame's JSON text and its safetensors blob (autograde.wire.frames)

# The failures a worker may report, by the name it sends: each rebuilt in the spec process as its class.
ERROR_KINDS: dict[str, type[errors.SubmissionProblem]] = {
    kind.__name__: kind for kind in (errors.MissingName, errors.SubmissionImportError, errors.ImplError,
                                     errors.ObservationError, errors.Tampered)
}


class ProtocolError(errors.Tampered):
    """The worker sent what the protocol does not allow: the submission wrote to the grader's pipe, so
    nothing the worker says counts from then on."""


def _check(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    """`value` if it is of `kind` (a bool is not a number here), else a ProtocolError naming `what`."""
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise ProtocolError(f"the worker sent a message whose {what} is a bool")
    if not isinstance(value, kind):
        raise ProtocolError(f"the worker sent a message whose {what} is a {type(value).__name__}")
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    return _check(data.get(key), str, key)


def _number(data: Mapping[str, Any], key: str) -> float:
    return float(_check(data.get(key), (int, float), key))


def _texts(value: Any, what: str) -> tuple[str, ...]:
    return tuple(_check(v, str, what) for v in _check(value, list, what))


# -- the spec process to the worker ---------------------------------------------------------------

@dataclass(frozen=True)
class Config:
    """How the worker runs: what it loads, what it sees, its limits and its two pipes."""

    submission: str
    cwd: str
    expose: tuple[str, ...]  # folders it may read, besides the system's (autograde.worker.isolation)
    hidden: tuple[str, ...]  # paths covered in its root: the answers
    writable: tuple[str, ...]
    statement_timeout: float
    load_timeout: float
    skip: tuple[tuple[str, int, str, str], ...]  # (file, ordinal, outcome, why): statements not to run
    requests_fd: int
    answers_fd: int
    allow_reference: bool
    tamper_check: bool
    memory_bytes: int | None  # None: watched from outside (a CUDA worker)
    cpu_seconds: int
    file_bytes: int
    processes: int

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Config:
        """The config as the spec process wrote it (trusted: it is this package's own argv)."""
        data = json.loads(text)
        return cls(**{**data, **{k: tuple(data[k]) for k in ("expose", "hidden", "writable")},
                      "skip": tuple(tuple(s) for s in data["skip"])})


@dataclass(frozen=True)
class Request:
    """Run the probe `probe` on the submission's `name` with these arguments."""

    probe: str
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    def as_data(self) -> dict[str, Any]:
        return {"probe": self.probe, "name": self.name, "args": self.args, "kwargs": self.kwargs}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Request:
        """The request as the spec process sent it (trusted: the worker reads its own grader's pipe)."""
        return cls(data["probe"], data["name"], tuple(data["args"]), data["kwargs"])


# -- the worker to the spec process ---------------------------------------------------------------

@dataclass(frozen=True)
class Skipped:
    """A top-level statement that did not run to its end, or never ran, and why."""

    file: str
    where: str  # "cell 3, line 2" or "line 14"
    code: str  # its first line, shortened
    outcome: str  # "failed", "was interrupted", "was skipped", "was not run"
    why: str
    binds: tuple[str, ...] = ()  # the names it would have defined
    position: tuple[int, int] = (0, 0)  # (cell or 0, line): the records are kept in file order

    def __str__(self) -> str:
        return f"{self.where} ({self.code}) {self.outcome}: {self.why}"

    def as_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: Any) -> Skipped:
        data = _check(data, dict, "skipped statement")
        position = _check(data.get("position", [0, 0]), list | tuple, "position")
        if len(position) != 2:
            raise ProtocolError("the worker sent a skipped statement whose position is not (cell, line)")
        return cls(*(_text(data, k) for k in ("file", "where", "code", "outcome", "why")),
                   binds=_texts(list(data.get("binds", [])), "binds"),
                   position=(int(_check(position[0], int, "cell")), int(_check(position[1], int, "line"))))


@dataclass(frozen=True)
class FileReport:
    """What loading one file of the submission did: how many statements ran, which did not."""

    name: str
    ran: int
    seconds: float
    skipped: tuple[Skipped, ...] = ()

    def describe(self) -> str:
        """One line per statement that did not run, under a line that counts those that did."""
        ran = self.ran
        head = (f"{self.name}: {ran} top-level statement{'' if ran == 1 else 's'} ran in {self.seconds:.1f} s; "
                f"{len(self.skipped)} did not (each was skipped, and loading went on):")
        return "\n".join([head, *(f"  {s}" for s in self.skipped)])

    def as_data(self) -> dict[str, Any]:
        return {"name": self.name, "ran": self.ran, "seconds": self.seconds,
                "skipped": [s.as_data() for s in self.skipped]}

    @classmethod
    def from_data(cls, data: Any) -> FileReport:
        data = _check(data, dict, "file report")
        return cls(_text(data, "name"), _check(data.get("ran"), int, "ran"), _number(data, "seconds"),
                   tuple(Skipped.from_data(s) for s in _check(data.get("skipped"), list, "skipped")))


@dataclass(frozen=True)
class StatementEvent:
    """The worker starts ("start") or gave up on ("interrupted") one top-level statement: the spec
    process waits for the next message no longer than the statement's budget allows."""

    event: str
    file: str
    ordinal: int
    where: str
    code: str
    budget: float

    @property
    def key(self) -> tuple[str, int]:
        return self.file, self.ordinal


@dataclass(frozen=True)
class Hello:
    """The worker has loaded the submission and waits for requests."""

    notes: tuple[str, ...]
    files: tuple[FileReport, ...]
    import_errors: tuple[tuple[str, str], ...]  # (message, detail) of what kept the submission from loading
    tampered: tuple[str, ...]  # what loading replaced of what the probes rely on


def encode_loading(message: StatementEvent | Hello) -> Frame:
    if isinstance(message, StatementEvent):
        return json.dumps({"statement": asdict(message)}), b""
    data = {"notes": list(message.notes), "files": [f.as_data() for f in message.files],
            "import_errors": [list(e) for e in message.import_errors], "tampered": list(message.tampered)}
    return json.dumps({"ready": data}), b""


def decode_loading(frame: Frame) -> StatementEvent | Hello:
    """A message the worker sent while loading, checked field by field."""
    try:
        message = _check(json.loads(frame[0]), dict, "loading message")
    except ValueError as exc:
        raise ProtocolError(f"the worker sent a loading message that is not JSON ({exc})") from None
    if set(message) == {"statement"}:
        s = _check(message["statement"], dict, "statement")
        return StatementEvent(_text(s, "event"), _text(s, "file"), _check(s.get("ordinal"), int, "ordinal"),
                         _text(s, "where"), _text(s, "code"), _number(s, "budget"))
    if set(message) == {"ready"}:
        r = _check(message["ready"], dict, "hello")
        errors_ = tuple(tuple(_texts(e, "import error")) for e in _check(r.get("import_errors"), list, "errors"))
        if any(len(e) != 2 for e in errors_):
            raise ProtocolError("the worker sent an import error that is not (message, detail)")
        return Hello(_texts(r.get("notes"), "notes"),
                     tuple(FileReport.from_data(f) for f in _check(r.get("files"), list, "files")),
                     errors_, _texts(r.get("tampered"), "tampered"))
    raise ProtocolError(f"the worker sent a loading message with the fields {sorted(message)}")


@dataclass(frozen=True)
class Answer:
    """A probe's value, or the failure that kept it from one (`kind`, a name in ERROR_KINDS)."""

    value: Any = None
    kind: str | None = None
    message: str = ""
    detail: str = ""

    @classmethod
    def failure(cls, problem: errors.SubmissionProblem) -> Answer:
        kind = next((name for name, known in ERROR_KINDS.items() if type(problem) is known), "ObservationError")
        return cls(kind=kind, message=problem.message, detail=problem.detail)

    def as_data(self) -> dict[str, Any]:
        if self.kind is None:
            return {"ok": True, "value": self.value}
        return {"ok": False, "kind": self.kind, "message": self.message, "detail": self.detail}

    @classmethod
    def from_data(cls, data: Any) -> Answer:
        """The worker's answer, checked: a value (plain data and tensors, as `autograde.wire.transport`
        decoded it), or a failure of one of ERROR_KINDS."""
        data = _check(data, dict, "answer")
        if data.get("ok") is True and set(data) == {"ok", "value"}:
            return cls(value=data["value"])
        if data.get("ok") is False and set(data) == {"ok", "kind", "message", "detail"}:
            kind = _text(data, "kind")
            if kind not in ERROR_KINDS:
                raise ProtocolError(f"the worker sent an error of a kind the protocol does not have ({kind[:80]!r})")
            return cls(kind=kind, message=_text(data, "message"), detail=_text(data, "detail"))
        raise ProtocolError(f"the worker sent an answer with the fields {sorted(map(str, data))[:8]}")

    def result(self) -> Any:
        """The value, or the failure raised as its class."""
        if self.kind is None:
            return self.value
        raise ERROR_KINDS[self.kind](self.message, self.detail)

