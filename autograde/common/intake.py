"""Reading a submission as the grader (often root) must: never through a link, never a special file,
never more than a submission can hold.

A submission names paths, and the grader reads them with its own rights before any sandbox exists
(to copy them into the worker's home, to send them with a Ray task). A link in it (`zz.py ->
/root-only/secret`, `env.txt -> /proc/self/environ`, `a -> .`), a device (`/dev/zero`) or a FIFO
would make the grader read, print or loop on what the student chose. So every file is opened
without following links (O_NOFOLLOW, and folders entered only as themselves), only regular files
are read, and the whole is bounded in bytes and files. What breaks a rule refuses the submission
with the reason, and the grade fails closed with it.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

# Never part of a submission: what archivers, Python and version control add (a .git or .venv folder
# would count against the bounds, and a venv holds links). The loader never reads them either.
IGNORED = ("__MACOSX", "__pycache__", ".DS_Store")
MAX_BYTES = 50 * 1024**2
MAX_FILES = 5_000
Files = dict[str, bytes]  # relative path ("" for a lone file) -> its bytes


class Refused(ValueError):
    """The submission cannot be read safely; the message says why and what to change."""


def read(submission: Path) -> Files:
    """Every file of a submission (a file, or a folder and everything below it), read without
    following any link; refused when it holds a link or a special file, or is too big."""
    budget = [MAX_BYTES, MAX_FILES]
    kind = _kind(submission, submission.name)
    if kind == "file" and submission.suffix == ".zip":
        return _read_zip(_read_file(submission, submission.name, budget), submission.name, budget)
    if kind == "file":
        return {"": _read_file(submission, submission.name, budget)}
    files: Files = {}
    _read_folder(submission, "", files, budget)
    return files


def folder_name(submission: Path) -> str:
    """What the submission's copy is called: a zipped folder is the folder (`vit.zip` -> `vit`)."""
    return submission.stem if submission.suffix == ".zip" else submission.name


def _read_zip(data: bytes, shown: str, budget: list[int]) -> Files:
    """The members of a zip, bounded as a folder is: no link, no path out of it, no more bytes or
    files than a submission may hold (counted unpacked)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Refused(f"{shown} is not a readable zip ({exc}): zip the folder again, or upload its files") from None
    files: Files = {}
    for info in archive.infolist():
        parts = PurePosixPath(info.filename).parts
        if info.is_dir() or any(ignored(part) for part in parts):
            continue
        if info.filename.startswith("/") or ".." in parts:
            raise Refused(f"{shown} holds {info.filename!r}, a path outside the folder: zip the folder itself")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise Refused(f"{shown} holds {info.filename!r}, a link; the grader follows no links: zip the file itself")
        budget[1] -= 1
        if budget[1] < 0:
            raise Refused(f"the submission holds over {MAX_FILES:,} files: upload only your code and notebooks")
        with archive.open(info) as member:
            files[info.filename] = member.read(budget[0] + 1)
        budget[0] -= len(files[info.filename])
        if budget[0] < 0:
            raise Refused(f"the submission is over {MAX_BYTES // 1024**2} MB unpacked: upload only your code and "
                          f"notebooks (no data sets, checkpoints or archives)")
    return files


def write(files: Files, target: Path) -> Path:
    """The files `read` gave, written under `target` (a lone file becomes `target` itself)."""
    for relative, data in files.items():
        path = target / relative if relative else target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if not files:
        target.mkdir(parents=True, exist_ok=True)
    return target


def ignored(name: str) -> bool:
    """Whether an entry is left out of a submission: hidden ones and IGNORED."""
    return name.startswith(".") or name in IGNORED


def _kind(path: Path, shown: str) -> str:
    """"file" or "folder", from the entry itself (a link is never followed); anything else is refused."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        raise Refused(f"{shown} cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(mode):
        raise Refused(f"{shown} is a link ({_target(path)}); the grader follows no links: upload the file itself")
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "file"
    raise Refused(f"{shown} is not a regular file or folder (a device, FIFO or socket): remove it")


def _target(path: Path) -> str:
    try:
        return f"to {os.readlink(path)}"
    except OSError:
        return "unreadable"


def _read_folder(folder: Path, prefix: str, files: Files, budget: list[int]) -> None:
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if ignored(entry.name):
                continue
            relative = f"{prefix}{entry.name}"
            path = Path(entry.path)
            if _kind(path, relative) == "folder":
                _read_folder(path, f"{relative}/", files, budget)
            else:
                files[relative] = _read_file(path, relative, budget)


def _read_file(path: Path, shown: str, budget: list[int]) -> bytes:
    """One regular file, opened without following a link and checked again once open (it could have
    been swapped since it was listed)."""
    budget[1] -= 1
    if budget[1] < 0:
        raise Refused(f"the submission holds over {MAX_FILES:,} files: upload only your code and notebooks")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise Refused(f"{shown} cannot be read ({exc.strerror}); the grader follows no links") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused(f"{shown} is not a regular file (a device, FIFO or socket): remove it")
        data = f.read(budget[0] + 1)
    budget[0] -= len(data)
    if budget[0] < 0:
        raise Refused(f"the submission is over {MAX_BYTES // 1024**2} MB: upload only your code and notebooks "
                      f"(no data sets, checkpoints or archives)")
    return data
