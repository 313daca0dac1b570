"""Tracebacks trimmed to the implementation's own frames, for short failure reports."""

from __future__ import annotations

import sysconfig
import traceback
from pathlib import Path

# Frames from the grader itself, installed libraries (torch) and the standard library say nothing
# about the student's mistake; the implementation's own frames do.
_NOT_IMPLEMENTATION = tuple(
    {str(Path(__file__).resolve().parent)}
    | {str(Path(sysconfig.get_paths()[k]).resolve()) for k in ("purelib", "platlib", "stdlib")}
)


def is_implementation_file(filename: str) -> bool:
    """Whether code compiled from `filename` is the implementation's own (not the grader's, a library's
    or the standard library's)."""
    return not str(Path(filename).resolve()).startswith(_NOT_IMPLEMENTATION)


def describe(exc: BaseException) -> str:
    """`ValueError: message`, on one line, at most 300 characters."""
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 300 else first[:297] + "..."


def implementation_traceback(exc: BaseException, limit: int = 6) -> str:
    """The traceback's frames in the implementation's own files (the last `limit`), then the error."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if is_implementation_file(f.filename)]
    lines = traceback.format_list(own[-limit:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()
