"""Who holds the grader's pipes: checked from outside the worker, by the spec process.

The worker answers on two pipes. A submission that forks a relay and hands it the worker's ends
(`dup2` its own pipe over them) can rewrite every answer the grader reads. So the worker closes
both ends in every child it forks (an at-fork hook, which Python cannot unregister), and the spec
process, before it trusts an answer, looks in /proc for any process of the worker's tree other than
the worker itself that holds either pipe: one that does is a relay, and the submission is failed
closed. A child that C code forks past the hook is found the same way.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path


def pipe_ids(*fds: int) -> set[str]:
    """How /proc/PID/fd names each pipe of `fds` ("pipe:[INODE]")."""
    return {f"pipe:[{os.fstat(fd).st_ino}]" for fd in fds}


def descendants(root: int) -> list[int]:
    """Every live process below `root`, from /proc (orphans of the worker's PID namespace are re-parented
    to the worker itself, so none escapes this way there)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # it ended while we looked
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def holders(pids: Iterable[int], pipes: set[str]) -> list[int]:
    """Those of `pids` that hold any of `pipes` open."""
    found = []
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in pipes:
                    found.append(pid)
                    break
            except OSError:
                continue
    return found


def serving_process(outer: int, tree: list[int]) -> int:
    """The process that answers: the first process of the worker's PID namespace (a child of `outer` whose
    NSpid ends in 1), or `outer` itself where the worker has no PID namespace."""
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        nspid = next((line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:")), [])
        if len(nspid) > 1 and nspid[-1] == "1":
            return pid
    return outer


def relays(outer: int, pipes: set[str]) -> list[int]:
    """The processes of the worker's tree (under `outer`) other than the one that answers that hold
    any of `pipes`."""
    tree = descendants(outer)
    serving = serving_process(outer, tree)
    return [pid for pid in holders([outer, *tree], pipes) if pid != serving]


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()[:120]
    except OSError:
        return "?"


def close_in_children(*fds: int) -> None:
    """In every child this process forks from now on, close `fds` first."""

    def close() -> None:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    os.register_at_fork(after_in_child=close)
