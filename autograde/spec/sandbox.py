"""The sandbox backend of the observation API: the submission runs in a worker process, isolated
(`autograde.worker.serve`, `autograde.worker.isolation`), and only plain data and tensors come back.

The parent enforces a timeout on every call: a worker that does not answer in time is killed with
its whole process group and the call fails with "timed out after N s"; the next call starts a
fresh worker. A worker that dies (os._exit, a crash, a memory limit) fails only the call it was
answering. Its output is drained continuously and kept up to a cap.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from autograde.common import errors, intake
from autograde.common.layout import GRADER_DIR, PACKAGE_DIR, REFERENCE_DIR
from autograde.spec.observe import Impl, describe_load
from autograde.wire import channel
from autograde.wire.frames import FrameError, read_frame, write_frame
from autograde.wire.protocol import (
    Answer,
    Config,
    Hello,
    ProtocolError,
    Request,
    StatementEvent,
    decode_loading,
)
from autograde.worker.execution import DEFAULT_BUDGET, Budget
from autograde.worker.fork import ForkedWorker, can_fork, fork_worker
from autograde.worker.isolation import GiB, answer_paths, readable_by_all

OUTPUT_CAP = 64 * 1024
MAX_ANSWER = 512 * 1024**2  # bytes one answer may announce: the largest observation (a ViT's weights) is ~13 MB
OUTPUT_GRACE = 2.0  # seconds to wait for the rest of a killed worker's output
START_TIMEOUT = 180.0  # importing torch and Lightning, then the submission, on a slow shared machine
CALL_TIMEOUT = 180.0
WATCH_INTERVAL = 0.25  # seconds between two looks at a CUDA worker's resident memory
PAGE = os.sysconf("SC_PAGE_SIZE")
STATEMENT_GRACE = 10.0  # seconds past a statement's budget before the worker is taken to be stuck in it
MAX_LOST_STATEMENTS = 4  # statements that may hang or end the worker before the submission fails to load


def resident_bytes(group: int) -> int:
    """Resident memory of every process in process group `group`, read from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command name: state, ppid, pgrp, ...
            if int(fields[2]) == group:
                total += int(fields[21]) * PAGE
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    return total


class WorkerLost(errors.ImplError):
    """The worker did not answer: it ran out of time ("timeout"), used too much memory ("memory"),
    its process ended ("ended", with its exit code), or it broke the wire ("broken": a frame over the
    size cap, or one not all there by its deadline)."""

    def __init__(self, message: str, state: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.state = state
        self.exit_code = exit_code


class LostStatement(Exception):
    """A top-level statement the worker never came back from: it hung past its budget and could not
    be interrupted, or it ended (or overfilled) the worker's process."""

    def __init__(self, statement: StatementEvent, lost: WorkerLost, memory_bytes: int) -> None:
        super().__init__(lost.message)
        self.key = statement.key
        self.where = f"{statement.file} {statement.where} ({statement.code})"
        self.why = {"timeout": f"it did not stop when interrupted at its {statement.budget:g} s budget",
                    "memory": f"it used more than {memory_bytes / GiB:g} GiB of memory",
                    "ended": f"it ended the process (exit code {lost.exit_code})",
                    "broken": f"it wrote to the grader's wire ({lost.message})"}[lost.state]
        self.why += "; the grader loaded the submission again without it"


class Output:
    """Drains a pipe on a thread, keeping the first OUTPUT_CAP bytes and counting the rest."""

    def __init__(self, pipe: Any) -> None:
        self.kept = bytearray()
        self.dropped = 0
        self.thread = threading.Thread(target=self._drain, args=(pipe,), daemon=True)
        self.thread.start()

    def _drain(self, pipe: Any) -> None:
        while chunk := pipe.read1(65536):  # what is there now: read() would wait for 64 KiB or the end
            room = OUTPUT_CAP - len(self.kept)
            self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - room)

    def text(self) -> str:
        tail = f"\n[... {self.dropped:,} more bytes of output dropped]" if self.dropped else ""
        return self.kept.decode(errors="replace") + tail


class SandboxImpl(Impl):
    """A submission behind a process boundary; the same API as InProcessImpl."""

    def __init__(self, submission: str | Path, expose: list[Path] = (), timeout: float = CALL_TIMEOUT,
                 allow_reference: bool = False, memory_bytes: int = 8 * GiB,
                 start_timeout: float = START_TIMEOUT, cuda: bool = False, budget: Budget = DEFAULT_BUDGET,
                 tamper_check: bool = True, rubric: Path | None = None) -> None:
        self.submission = Path(os.path.abspath(submission))  # as named: a link is refused, never followed
        # What the worker must not see (the reference, the spec, the rubric: the default one and `rubric`,
        # this run's): covered in its root (`autograde.worker.isolation`).
        self.hidden = answer_paths(rubric, allow_reference)
        self.expose = [Path(p).resolve() for p in expose]
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.allow_reference = allow_reference
        self._unloadable: str | None = None  # why the worker could not start: every call fails with it
        self._timed_out: set[tuple[str, str]] = set()  # (probe, name) that ran out of time once
        self.tamper_check = tamper_check
        self.tampered: list[str] = []  # what the worker found replaced: from the first, every call fails with it
        self.memory_bytes = memory_bytes
        # CUDA reserves far more address space than it uses, so RLIMIT_AS would stop it from starting:
        # a worker that may use CUDA has its resident memory watched by this process instead.
        self.cuda = cuda
        self.budget = budget
        # Statements not to run when (re)loading: those that hung or ended the worker, or ran over budget.
        self._skip: dict[tuple[str, int], tuple[str, str]] = dict(budget.skip)
        self._lost: set[tuple[str, int]] = set()  # those that hung or ended the worker
        self.loaded = Hello((), (), (), ())  # what loading did, once the worker is ready
        self.events: list[str] = []  # timeouts and crashes, for the feedback
        self._proc: subprocess.Popen | ForkedWorker | None = None
        self._files: intake.Files | None = None
        self._ready = False
        self._home: Path | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def spawn(self) -> None:
        """Start the worker without waiting for it: it loads the submission while the grader collects tests."""
        if self._proc is None and self._unloadable is None:
            with contextlib.suppress(errors.SubmissionImportError):  # every observation fails with its reason
                self._spawn()

    def _start(self) -> None:
        """Start the worker and wait while it loads the submission. A statement that hangs past its
        budget (or ends the worker) is recorded and the worker started again without it."""
        while True:
            if self._proc is None:
                self._spawn()
            try:
                hello = self._await_load()
            except LostStatement as lost:
                self._skip[lost.key] = ("was skipped", lost.why)
                self._lost.add(lost.key)
                if len(self._lost) <= MAX_LOST_STATEMENTS:
                    continue
                self._unloadable = (f"{MAX_LOST_STATEMENTS + 1} top-level statements hung or ended the grader's "
                                    f"process while loading; the last: {lost.where}: {lost.why}")
                raise errors.ImplError(self._unloadable) from None
            except errors.ImplError as exc:
                self.close()
                self._unloadable = exc.message
                raise
            break
        self.loaded = hello
        self._check_channel()
        self._ready = True
        if hello.tampered:
            self._fail_closed(list(hello.tampered))

    def _fail_closed(self, found: list[str]) -> None:
        """The submission replaced what the probes rely on: nothing its worker says from now on counts."""
        self.tampered += found
        self.close()

    def _await_load(self) -> Hello:
        """Read the worker's frames until it is ready: each statement it starts comes with its budget,
        and the next frame must come before that budget (plus a grace) is spent."""
        timeout, what, statement = self.start_timeout, "starting the worker", None
        while True:
            try:
                message = decode_loading(self._receive(timeout, what))
            except WorkerLost as lost:
                if statement is None:
                    raise
                self.events.pop()  # the statement's own record says it
                raise LostStatement(statement, lost, self.memory_bytes) from None
            except ProtocolError as exc:
                raise errors.ImplError(f"the worker sent a malformed message while loading ({exc.message}); the "
                                       f"submission may have written to the grader's pipe") from None
            if isinstance(message, Hello):
                return message
            statement = message
            if statement.event == "interrupted":  # a reload need not wait for it again
                self._skip[statement.key] = ("was interrupted", f"it ran over its {statement.budget:g} s budget")
                timeout, statement = STATEMENT_GRACE, None
                continue
            # The budget comes from the worker: never wait longer than this grader's own budget allows.
            timeout = min(statement.budget, self.budget.statement) + STATEMENT_GRACE
            what = f"loading the submission ({statement.file} {statement.where})"

    def _submission_files(self) -> intake.Files:
        """The submission's files, read once (`autograde.common.intake`: no link followed, no special file, bounded);
        one that cannot be read so fails every observation with the reason."""
        if self._files is None:
            try:
                self._files = intake.read(self.submission)
            except intake.Refused as exc:
                self._unloadable = f"the grader did not read the submission: {exc}"
                raise errors.SubmissionImportError(self._unloadable) from None
        return self._files

    def _spawn(self) -> None:
        self._ready = False
        files = self._submission_files()
        self._home = Path(tempfile.mkdtemp(prefix="pset3-sandbox-"))
        copy = intake.write(files, self._home / "submission" / intake.folder_name(self.submission))
        cwd = self._home / "cwd"
        cwd.mkdir()
        readable_by_all(self._home)
        requests_r, requests_w = os.pipe()
        answers_r, answers_w = os.pipe()
        expose = [self._home, *self.expose, GRADER_DIR,
                  *([REFERENCE_DIR] if self.allow_reference else [])]
        config = Config(str(copy), str(cwd), expose=tuple(str(p) for p in expose),
                        hidden=tuple(str(p) for p in self.hidden),
                        # Mounted writable in its root, as on the host: its permissions let it write only its cwd.
                        writable=(str(self._home),),
                        statement_timeout=self.budget.statement, load_timeout=self.budget.load,
                        skip=tuple((file, ordinal, *reason) for (file, ordinal), reason in self._skip.items()),
                        requests_fd=requests_r, answers_fd=answers_w, allow_reference=self.allow_reference,
                        tamper_check=self.tamper_check, memory_bytes=None if self.cuda else self.memory_bytes,
                        cpu_seconds=3600, file_bytes=GiB, processes=512)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(PACKAGE_DIR), "LANG": "C.UTF-8",
               "HOME": str(cwd), "TMPDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
               **{k: v for k, v in os.environ.items() if k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}}
        if can_fork():  # the first worker of a spec run: it shares the grader's torch
            self._proc = fork_worker(config, cwd, env, PACKAGE_DIR)
        else:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "autograde.worker.serve", config.to_json()], cwd=cwd, env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(requests_r, answers_w))
        self._pipes = channel.pipe_ids(requests_r, answers_w)
        os.close(requests_r)
        os.close(answers_w)
        self._requests = os.fdopen(requests_w, "wb")
        # Unbuffered: the worker sends several frames while loading, and select() sees only what is
        # still in the pipe, never what a buffered reader has already taken from it.
        self._answers = os.fdopen(answers_r, "rb", buffering=0)
        self._output = Output(self._proc.stdout)

    def close(self) -> None:
        """Kill the worker and everything it started; remove its files."""
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
            self._output.thread.join(OUTPUT_GRACE)  # its last output, before anyone reads it
            self._requests.close()
            self._answers.close()
            self._proc = None
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def output(self) -> str:
        return self._output.text() if getattr(self, "_output", None) else ""

    # -- calls -----------------------------------------------------------------------------------
    def _wait(self, timeout: float) -> str:
        """Wait for an answer: "ready", "timeout", or "memory" (a CUDA worker over its memory limit)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self._answers], [], [], min(left, WATCH_INTERVAL) if self.cuda else left)
            if ready:
                return "ready"
            if self.cuda and resident_bytes(self._proc.pid) > self.memory_bytes:
                return "memory"
        return "timeout"

    def _receive(self, timeout: float, what: str) -> tuple[str, bytes]:
        """The worker's next frame, all of it within `timeout` and at most MAX_ANSWER bytes."""
        deadline = time.monotonic() + timeout
        state, frame = self._wait(timeout), None
        if state == "ready":
            try:
                frame = read_frame(self._answers, MAX_ANSWER, deadline)
            except (FrameError, UnicodeDecodeError) as exc:
                state, broken = "broken", exc
        if frame is not None:
            return frame
        code = None
        if state == "broken":
            message = (f"the worker broke the grader's wire while {what} ({broken}): the submission may have "
                       f"written to it")
        elif state == "timeout":
            message = f"timed out after {timeout:g} s while {what}"
        elif state == "memory":
            message = f"used more than {self.memory_bytes / GiB:g} GiB of memory while {what}"
        else:
            state, code = "ended", self._proc.wait() if self._proc else None
            message = f"the submission's process ended (exit code {code}) while {what}"
        self.close()
        self.events.append(message)
        raise WorkerLost(message, state, code)

    def _observe(self, probe: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        from autograde.wire.transport import decode, encode  # imports torch: not before the worker has started

        if self._unloadable is not None:
            raise errors.SubmissionImportError(self._unloadable)
        if (probe, name) in self._timed_out:  # fail fast: one hang per probe and name is enough
            raise errors.ImplError(f"not run: {probe} on {name} timed out earlier (after {self.timeout:g} s)")
        if not self.tampered and (self._proc is None or not self._ready):
            self._start()
        if self.tampered:  # found while loading, or by an earlier call
            raise errors.Tampered(f"{self.tampered[0]}; the grader trusts nothing it observes after that")
        write_frame(self._requests, *encode(Request(probe, name, args, kwargs).as_data()))
        try:
            frame = self._receive(self.timeout, f"running {probe} on {name}")
        except WorkerLost as lost:
            if lost.state == "timeout":
                self._timed_out.add((probe, name))
            raise
        self._check_channel()
        try:
            answer = Answer.from_data(decode(*frame))
        except ProtocolError as exc:  # fails closed: the submission wrote to the pipe
            answer = Answer(kind="Tampered", message=exc.message)
        except Exception as exc:  # noqa: BLE001 - bytes that do not decode are no answer either
            why = f"the worker sent an answer that does not decode ({type(exc).__name__})"
            answer = Answer(kind="Tampered", message=f"{why}: the submission wrote to the grader's pipe")
        if answer.kind == "Tampered":
            self._fail_closed([answer.message])
        return answer.result()

    def _check_channel(self) -> None:
        """Before an answer counts: no process of the worker's but the one that answers holds the grader's
        pipes (`autograde.wire.channel`); one that does could have rewritten it, so nothing counts from now on."""
        found = channel.relays(self._proc.pid, self._pipes) if self._proc is not None else []
        if found:
            what = ", ".join(f"pid {pid}: {channel.command_line(pid)}" for pid in found)
            message = (f"another process of the submission ({what}) held the grader's pipe, so it could rewrite "
                       f"the answers")
            self._fail_closed([message])
            raise errors.Tampered(f"{message}; the grader trusts nothing it observes after that")

    def load_report(self) -> list[str]:
        lines = describe_load(list(self.loaded.notes), list(self.loaded.files), list(self.loaded.import_errors))
        lines += self.events
        lines += [f"The grader failed the submission closed: {t}; every observation after that failed."
                  for t in self.tampered]
        output = self.output().strip()
        if output:
            dropped = self._output.dropped
            cut = f"; {dropped:,} more bytes of output dropped" if dropped else ""
            lines.append(f"What the submission printed (the first 4,000 characters{cut}):\n{output[:4000]}")
        return lines
