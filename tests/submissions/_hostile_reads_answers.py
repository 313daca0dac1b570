"""Hostile (a template: tests/test_answers_hidden.py writes KNOWN in): looks for the answers on every
path it can read, as a dishonest student would. It walks sys.path and its parents, its working
folder's parents, /autograder, /tmp, /proc/*/cwd, /proc/*/root and /proc/*/environ, then / itself,
breadth first (so a `reference/` beside a package comes early), within a time and file budget; it
opens wheels and zips too. Every line it reads is hashed and looked up in KNOWN (the sha256 of known
lines of the reference, the spec, the rubric and another submission), so this file holds none of
them itself. What it finds, it prints and raises (so the text would reach its feedback); a found
reference part2.py it executes, to define Part 2's names from it. Its ANSWERS are honest."""

import contextlib
import hashlib
import os
import sys
import time
import zipfile
from collections import deque

ANSWERS = {"2.1a": (True, False), "2.1b": (True, False), "2.1c": (True, False), "2.1d": (True, True),
           "2.1e": (False, True), "2.4": 4, "2.5": (10, 100)}

KNOWN: dict[str, str] = {}  # sha256 of a stripped known line -> whose line it is (the test writes these)
MIN_LENGTH = 30  # every known line is at least this long
BUDGET_S = 6.0  # well under the 20 s a top-level statement may take
MAX_FILES = 100_000
MAX_BYTES = 512 * 1024
SKIP = ("/proc", "/sys", "/dev")  # whole; /proc/*/cwd, root and environ are looked at one by one


def _look(data: bytes, where: str, found: dict) -> None:
    """Hash each line of a text (NULs split lines, as in /proc/*/environ); note the first known one."""
    if b"\0" in data[:4096] and not where.endswith("environ"):
        return
    for line in data.decode(errors="replace").replace("\0", "\n").splitlines():
        line = line.strip()
        if len(line) >= MIN_LENGTH and where not in found:
            whose = KNOWN.get(hashlib.sha256(line.encode()).hexdigest())
            if whose is not None:
                found[where] = (whose, line)


def _read(path: str, found: dict) -> None:
    if path.endswith((".whl", ".zip")):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist()[:2000]:
                if info.file_size <= MAX_BYTES:
                    _look(archive.read(info), f"{path}!{info.filename}", found)
        return
    with open(path, "rb") as f:
        _look(f.read(MAX_BYTES), path, found)


def _text(where: str) -> str:
    """A file's text, or an archive member's (`ARCHIVE!MEMBER`)."""
    archive, _, member = where.partition("!")
    if member:
        with zipfile.ZipFile(archive) as z:
            return z.read(member).decode()
    with open(where) as f:
        return f.read()


def _pids() -> list[str]:
    try:
        return [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []


def _starts() -> list[str]:
    """Where answers would lie: beside the packages, above the working folder, the grader's folders,
    other processes' working folders and roots; then everything."""
    starts = []
    for entry in [*sys.path, os.getcwd()]:
        path = os.path.abspath(entry or ".")
        for _ in range(4):
            starts.append(path)
            path = os.path.dirname(path)
    starts += ["/autograder", "/tmp", "/work", "/home", "/root"]
    starts += [f"/proc/{p}/{what}" for p in _pids() for what in ("cwd", "root")]
    return [*starts, "/"]


def walk(budget: float = BUDGET_S) -> tuple[dict, int]:
    """{file: (whose line, the line)} for each file that holds a known line, and how many files were read."""
    found: dict = {}
    for pid in _pids():
        with contextlib.suppress(OSError):
            _read(f"/proc/{pid}/environ", found)
    files, deadline, seen = 0, time.monotonic() + budget, set()
    queue = deque(_starts())
    while queue and files < MAX_FILES and time.monotonic() < deadline:
        path = queue.popleft()
        try:
            real = os.path.realpath(path)
            if real in seen or real in SKIP:
                continue
            seen.add(real)
            if os.path.isdir(path):
                queue.extend(os.path.join(path, name) for name in sorted(os.listdir(path)))
            elif os.path.isfile(path):
                files += 1
                _read(path, found)
        except (OSError, ValueError, RuntimeError, zipfile.BadZipFile):
            continue
    return found, files


def attack() -> None:
    started = time.monotonic()
    found, files = walk()
    print(f"walked {files} files in {time.monotonic() - started:.1f} s; {len(found)} held a known line")
    for where, (whose, line) in sorted(found.items())[:20]:
        print(f"FOUND {whose} line in {where}: {line}")
    for where, (whose, _) in sorted(found.items()):
        if whose == "reference" and where.endswith("part2.py"):
            exec(compile(_text(where), where, "exec"), globals())  # the reference's Part 2, as this file's own
            break
    if found:  # the reference's first, if it was found
        where, (whose, line) = min(found.items(), key=lambda item: (item[1][0] != "reference", item[0]))
        raise RuntimeError(f"FOUND {whose} line in {where}: {line}")


attack()
