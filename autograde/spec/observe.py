"""The observation API (docs/architecture.md): what spec tests may ask of an implementation.

Tests hold an `Impl` and ask it for plain data and tensors; they never touch an implementation's
objects. `InProcessImpl` runs the probes in this process (the reference, `--no-sandbox`); a
sandboxed backend only has to implement `_observe`.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from autograde.wire.protocol import FileReport

if TYPE_CHECKING:  # the probes (and torch) are imported on first use: the plugin loads this module first
    from autograde.worker.loading import Submission


class Param(NamedTuple):
    name: str
    shape: tuple[int, ...]
    requires_grad: bool


class Module(NamedTuple):
    path: str
    type: str
    torch_base: str  # the torch.nn class it is or derives from


def _probe(probe: str, wrap: Callable[[Any], Any] | None = None) -> Callable[..., Any]:
    """The API method of one probe: it forwards what a test passes. The probe function itself
    (`autograde.worker.probes.PROBES[probe]`) declares the parameters, their defaults and what it observes."""

    def observe(self: Impl, name: str, *args: Any, **kwargs: Any) -> Any:
        answer = self._ask(probe, name, args, kwargs)
        return answer if wrap is None else wrap(answer)

    observe.__name__ = observe.__qualname__ = probe
    observe.__doc__ = f"What the `{probe}` probe observes of contract name `name` (see autograde.worker.probes.PROBES)."
    return observe


class Impl:
    """An implementation under test, seen only through observations: one method per probe, named as
    the probe (tests/test_observe.py checks the two lists are the same)."""

    def _observe(self, probe: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _ask(self, probe: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """One observation, its arguments bound to the probe's signature (a wrong argument fails here, in
        the test, not in the worker), defaults filled in and paths passed as strings. A `seed`, given or
        by default, is a spec test's offset: the probe gets this run's seed for it (`autograde.spec.seeding`),
        so a submission sees the grading seed's inputs only when asked."""
        from autograde.spec.seeding import derive
        from autograde.worker.probes import PROBES

        bound = inspect.signature(PROBES[probe]).bind(None, name, *args, **kwargs)
        bound.apply_defaults()
        if "seed" in bound.arguments:
            bound.arguments["seed"] = derive(bound.arguments["seed"])
        args = tuple(os.fspath(a) if isinstance(a, os.PathLike) else a for a in bound.args[2:])
        return self._observe(probe, name, args, bound.kwargs)

    forward = _probe("forward")
    forwards = _probe("forwards")
    parameters = _probe("parameters", lambda found: [Param(*p) for p in found])
    modules = _probe("modules", lambda found: [Module(*m) for m in found])
    state = _probe("state")
    value = _probe("value")
    call = _probe("call")
    splits = _probe("splits")
    fit = _probe("fit")
    optimization = _probe("optimization")
    loaders = _probe("loaders")
    train_loop = _probe("train_loop")
    evaluate = _probe("evaluate")
    gradients = _probe("gradients")
    timing = _probe("timing")

    def load_report(self) -> list[str]:
        """What loading the implementation noted (files ignored) and how it failed, if it did."""
        return []


def describe_load(notes: list[str], files: list[FileReport], import_errors: list[tuple[str, str]]) -> list[str]:
    """The load report: notes (files ignored), each file's statements that did not run, load errors."""
    lines = list(notes)
    lines += [f.describe() for f in files if f.skipped]
    for message, detail in import_errors:
        lines.append(f"The submission did not load: {message}" + (f"\n{detail}" if detail else ""))
    return lines


UNCACHED_PROBES = frozenset({"timing"})  # measurements, never reused


class ReferenceAnswers:
    """The reference's answers by request (see InProcessImpl._observe): kept for this process, and, where
    runs share a folder (`share`), for every run that shares it. The kill matrix forks each of its runs
    afresh from the warm grader; sharing, a run asks the reference only what no earlier run asked."""

    def __init__(self) -> None:
        self.kept: dict[bytes, tuple[str, bytes]] = {}
        self.folder: Path | None = None

    def share(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder

    def get(self, key: bytes) -> tuple[str, bytes] | None:
        if key not in self.kept and self.folder is not None:
            with contextlib.suppress(FileNotFoundError):
                data = (self.folder / key.hex()).read_bytes()
                size = int.from_bytes(data[:8], "big")
                self.kept[key] = (data[8:8 + size].decode(), data[8 + size:])
        return self.kept.get(key)

    def put(self, key: bytes, answer: tuple[str, bytes]) -> None:
        self.kept[key] = answer
        if self.folder is not None:  # written whole, then renamed: a run side by side reads all of it or none
            header = answer[0].encode()
            part = self.folder / f".{key.hex()}.{os.getpid()}"
            part.write_bytes(len(header).to_bytes(8, "big") + header + answer[1])
            part.replace(self.folder / key.hex())


REFERENCE_ANSWERS = ReferenceAnswers()


class InProcessImpl(Impl):
    """Runs probes in this process. Arguments and results cross the same codec as the sandbox's."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission

    def _observe(self, probe: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        from autograde.wire.transport import decode, encode, roundtrip
        from autograde.worker.probes import PROBES

        obj = self.submission.resolve(name)
        if probe in UNCACHED_PROBES or not self._is_the_references(name, obj):
            args, kwargs = roundtrip((args, kwargs))
            return roundtrip(PROBES[probe](obj, name, *args, **kwargs))
        # The reference is trusted and its probes are seeded: the same request gives the same answer, so
        # a process that runs the spec many times (the kill matrix) asks each question of it once, and a
        # mutant asks only about the name it overrides (the others are the reference's own objects).
        request = encode((probe, name, args, kwargs))
        key = hashlib.sha256(request[0].encode() + request[1]).digest()
        answer = REFERENCE_ANSWERS.get(key)
        if answer is None:
            _, _, args, kwargs = decode(*request)  # the probe sees what crossed the codec, as in the sandbox
            answer = encode(PROBES[probe](obj, name, *args, **kwargs))
            REFERENCE_ANSWERS.put(key, answer)
        return decode(*answer)

    def _is_the_references(self, name: str, obj: object) -> bool:
        """Whether `obj` is the reference's own object for `name` (the reference, or a name a mutant
        re-exports from it): what a probe observes of it is then the reference's answer."""
        from autograde.worker.loading import reference_object

        return self.submission.is_reference or obj is reference_object(name)

    def load_report(self) -> list[str]:
        sub = self.submission
        errors = [(e.message, e.detail) for e in sub.import_errors]
        return describe_load(sub.notes, [f.report() for f in sub.files], errors)
