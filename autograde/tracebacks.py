"""Tracebacks trimmed to the implementation's own frames, for short failure reports."""

from __future__ import annotations

import traceback
from pathlib import Path

_MACHINERY = str(Path(__file__).resolve().parent)


def describe(exc: BaseException) -> str:
    """`ValueError: message`, on one line, at most 300 characters."""
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 300 else first[:297] + "..."


def implementation_traceback(exc: BaseException, limit: int = 8) -> str:
    """The traceback without the grader's own frames, keeping the last `limit` frames."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(_MACHINERY)]
    lines = traceback.format_list(frames[-limit:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()
