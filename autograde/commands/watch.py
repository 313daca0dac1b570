"""`pset3 check --watch PATH`: the student's edit-check loop, paying for torch once.

The first check starts a warm grader (`autograde.batch.warm`); every check, the first and each one
after an edit, is a fresh fork of it that runs `pset3 check` as it runs alone (same table, same
sandboxed worker, forked fresh from the check), so nothing of one check survives into the next: the
warm grader itself never runs anything. A check's output goes straight to the terminal.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from autograde.batch import warm

POLL = 0.5  # seconds between two looks at the submission's files
Stamp = tuple[tuple[str, int, int], ...]


def stamp(path: Path) -> Stamp:
    """What changes when the submission is edited: each file's path, modification time and size (a
    folder's files, hidden ones and caches left out)."""
    if path.is_file():
        info = path.stat()
        return ((str(path), info.st_mtime_ns, info.st_size),)
    found = []
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        for name in sorted(files):
            if name.startswith("."):
                continue
            with_path = Path(folder, name)
            try:
                info = with_path.stat()
            except OSError:  # removed while we looked: the next look sees the edit settled
                continue
            found.append((str(with_path), info.st_mtime_ns, info.st_size))
    return tuple(found)


def watch(submission: Path, check_argv: list[str], polls: float = POLL) -> int:
    """Check `submission` (`pset3 check` with `check_argv`, which names it by its absolute path) now and
    after every change to its files, until interrupted (Ctrl-C)."""
    seen: Stamp | None = None
    with tempfile.TemporaryDirectory(prefix="pset3-watch-") as cwd:  # a check's own folder, as when run alone
        try:
            grader = warm.grader(None)
            while True:
                now = stamp(submission)
                if now != seen:
                    seen = now
                    started = time.monotonic()
                    child = grader.start(warm.Run("autograde.commands.cli:main", [["check", *check_argv]], cwd,
                                                  dict(os.environ)))
                    child.wait()
                    print(f"checked in {time.monotonic() - started:.1f} s; watching {submission} for changes "
                          f"(Ctrl-C to stop)", flush=True)
                time.sleep(polls)
        except KeyboardInterrupt:
            return 0
        except warm.WarmUnavailable as exc:
            print(f"pset3 check --watch: {exc}", flush=True)
            return 2
