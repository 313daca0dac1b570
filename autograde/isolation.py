"""Operating-system isolation for the sandbox worker (Linux): namespaces, a private /tmp,
resource limits, an unprivileged user.

What was checked on these machines as root (docs/architecture.md, The trust boundary): `unshare(CLONE_NEWNET)` through
libc leaves no network at all; a mount namespace with a tmpfs on /tmp works; RLIMIT_AS of 8 GiB
lets torch import and compute; setuid to `nobody` after that works. Each step that needs root is
skipped when the grader is not root, and `describe()` says what was applied.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import resource
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID = 0x00020000, 0x40000000, 0x20000000
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18
GiB = 1024**3

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (a killed grader leaves no
    grading processes behind). Changing user clears it: call again after drop_privileges."""
    import signal

    _check(_libc.prctl(1, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")  # 1 = PR_SET_PDEATHSIG


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                       data.encode() if data else None), f"mount {target}")


def private_tmp(keep: list[Path]) -> None:
    """A fresh tmpfs on /tmp (inside a new mount namespace), with the folders in `keep` that lived
    under /tmp bind-mounted back at their own paths, so each worker sees only its own files."""
    unshare(CLONE_NEWNS)
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    handles = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in keep if str(p).startswith("/tmp/")}
    mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777,size=2g")
    for path, fd in handles.items():
        os.makedirs(path, mode=0o755, exist_ok=True)
        mount(f"/proc/self/fd/{fd}", str(path), None, MS_BIND)
        os.close(fd)


def _closed_ancestor(path: Path) -> Path | None:
    """The first folder above `path` that other users may not enter (e.g. a 700 /root)."""
    for ancestor in reversed(path.parents):
        if ancestor != Path("/") and not os.stat(ancestor).st_mode & 0o001:
            return ancestor
    return None


def open_paths_for_others(paths: list[Path]) -> None:
    """Within this mount namespace, make `paths` reachable by an unprivileged user: each closed
    folder above them (say /root, above a pyenv Python) is covered with an empty tmpfs that others
    may enter, and the needed paths are bind-mounted back at their own places. Nothing else of the
    closed folder is visible."""
    groups: dict[Path, list[Path]] = {}
    for path in paths:
        closed = _closed_ancestor(path)
        if closed is not None:
            groups.setdefault(closed, []).append(path)
    for closed, inside in groups.items():
        handles = {p: os.open(p, os.O_PATH) for p in inside}
        mount("tmpfs", str(closed), "tmpfs", 0, "mode=0755,size=1m")
        for path, fd in handles.items():
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(path, mode=0o755, exist_ok=True)
            else:
                os.makedirs(path.parent, mode=0o755, exist_ok=True)
                Path(path).touch()
            mount(f"/proc/self/fd/{fd}", str(path), None, MS_BIND)
            os.close(fd)


def python_paths() -> list[Path]:
    """Where this interpreter, its standard library and its packages live: the site folders, and any
    other folder on sys.path that holds installed distributions (one a .pth file names). Never the
    grader's working folder, which may hold other submissions."""
    import site
    import sys
    import sysconfig

    installed = [Path(p) for p in sys.path if p and next(Path(p).glob("*.dist-info"), None) is not None]
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent,
             *(Path(p) for p in site.getsitepackages()), Path(sysconfig.get_paths()["stdlib"]), *installed}
    return sorted(p.resolve() for p in paths if p.exists())


def limit_resources(memory_bytes: int | None, cpu_seconds: int, file_bytes: int, processes: int) -> None:
    if memory_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


UNPRIVILEGED_USER = "nobody"


def unprivileged_ids() -> tuple[int, int]:
    """(uid, gid) the worker runs as once it has dropped root."""
    entry = pwd.getpwnam(UNPRIVILEGED_USER)
    return entry.pw_uid, entry.pw_gid


def drop_privileges() -> None:
    uid, gid = unprivileged_ids()
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    os.environ["HOME"] = os.getcwd()


def readable_by_all(path: Path) -> None:
    """Let the unprivileged worker read (not write) a tree the grader made."""
    for root, _, files in os.walk(path):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
