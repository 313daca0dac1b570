"""The warm grader: torch imported once per batch, every spec run forked from it.

A fresh interpreter per spec run spends ~3 s of CPU importing torch, torchvision and both Lightning
packages, half of a grade. The warm grader is one process, `python -m autograde.batch.warm`, that
imports everything import-only (`PRELOAD`: no torch operation, no thread pool, no CUDA context, and
nothing of the reference or the spec), freezes it for the collector (`gc.freeze`: the pages stay
shared copy-on-write) and then only forks: one fresh child per spec run, which calls one function
(`Run.call`, e.g. pytest on the spec) in the working folder, environment and log a cold run has.
The child forks its own sandboxed worker as a cold spec run does (`autograde.worker.fork`), so it,
too, shares the import. Nothing a child does reaches the warm process or the next child: each one
starts from the same untouched image, and the warm process never runs a thing.

Why issue 12's attempt (forked spec runs, 234 s for a batch of 4 instead of 72) was slow, measured
with `benchmarks/warm_fork_probe.py`: `worker.fork.can_fork` refused any process that had imported
torch, so each forked spec run started its sandboxed worker as a fresh interpreter, paying the whole
import again (its first observation waited 5.4 s instead of 0.09 s), and the forked runs inherited a
server's thread pools sized for every core, oversubscribing them. Here the child declares that its
torch has run nothing (`declare_torch_unused`), and each warm grader is started with the thread count
of its batch in its environment before torch is imported, as a cold run is.

The parent talks to it over two pipes only it holds, one JSON line per message (no socket another
process could connect to, no pickle): `run` (fork a child; the answer is its pid, then its exit
code) and `signal` (sent only to a child not yet reaped, so never to a reused pid). It ends when the
parent closes its pipe, by exiting or dying, and its children die with it (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import select
import selectors
import signal
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO

from autograde.common.layout import PACKAGE_DIR
from autograde.worker.fork import PRIVATE_MODULES, declare_torch_unused
from autograde.worker.isolation import die_with_parent

# What a spec run imports, and its sandboxed worker: imported once, run never. Nothing private.
PRELOAD = ("torch", "torchvision", "pytorch_lightning", "lightning", "numpy", "matplotlib.pyplot", "pytest",
           "safetensors.torch", "rich.console", "rich.markdown", "autograde.spec.plugin", "autograde.spec.sandbox",
           "autograde.wire.transport", "autograde.worker.serve", "autograde.worker.probes",
           "autograde.batch.specrun")
START_TIMEOUT = 300.0  # seconds for the warm grader to import everything on a slow shared machine
LOST = -9  # a run's exit code when the warm grader ended under it


@dataclass(frozen=True)
class Run:
    """One child: `call` ("module:function") with `args` (plain JSON), in `cwd` with `env` (and
    `threads` torch threads, or torch's default for None), its output to `log` (or to the warm
    grader's own, the caller's terminal, for None)."""

    call: str
    args: list[Any]
    cwd: str
    env: dict[str, str]
    log: str | None = None
    threads: int | None = None


# -- the warm process ------------------------------------------------------------------------------

def serve(replies_fd: int) -> None:
    """The warm grader's whole life: import, say ready, then fork a child per `run` until stdin ends."""
    _preload()
    _Server(replies_fd).run()


class _Server:
    """The warm grader's loop: requests on stdin, children's ends on a wakeup pipe, answers on `replies`."""

    def __init__(self, replies_fd: int) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C is the parent's to handle: it ends us by closing the pipe
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that the wakeup fd hears of each child
        self.replies = os.fdopen(replies_fd, "w", buffering=1)
        self.selector = selectors.DefaultSelector()
        self.selector.register(0, selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)
        self.inherited = [replies_fd, self.wake_r, wake_w, self.selector]  # what a child closes first
        self.running: dict[int, int] = {}  # pid -> the run's id, until reaped
        self.pid = os.getpid()

    def reply(self, **message: Any) -> None:
        with contextlib.suppress(BrokenPipeError):
            self.replies.write(json.dumps(message) + "\n")

    def run(self) -> None:
        self.reply(ready=self.pid)
        pending = b""
        while True:
            for key, _ in self.selector.select():
                if key.fd == self.wake_r:
                    os.read(self.wake_r, 4096)
                    self.reap()
                    continue
                chunk = os.read(0, 65536)
                if not chunk:  # the parent closed the pipe, or died: our children die with us
                    return
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    self.handle(json.loads(line))

    def handle(self, request: dict[str, Any]) -> None:
        if "signal" in request:
            pid = next((p for p, i in self.running.items() if i == request["id"]), None)
            if pid is not None:  # not yet reaped: the pid is still this child's
                os.kill(pid, request["signal"])
            return
        pid = os.fork()
        if pid == 0:
            _child(Run(**request["run"]), self.inherited, self.pid)
        self.running[pid] = request["id"]
        self.reply(id=request["id"], pid=pid)

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.running:
                self.reply(id=self.running.pop(pid), exit=os.waitstatus_to_exitcode(status))


def _preload() -> None:
    """Import `PRELOAD` (a package that is not installed is skipped: the child imports what it can), then
    freeze every object so that the collector never writes to the shared pages."""
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    private = sorted(m for m in sys.modules if m.split(".")[0] in PRIVATE_MODULES)
    if private:
        raise RuntimeError(f"the warm grader imported {', '.join(private)}: a worker forked from it would find them")
    gc.freeze()


def _child(run: Run, inherited: list[Any], warm_pid: int) -> None:
    """In the forked child: become what a cold run is (its folder, environment, output, threads,
    SIGINT as KeyboardInterrupt), call `run.call`, and exit with its return value. Never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for thing in inherited:
            thing.close() if hasattr(thing, "close") else os.close(thing)
        die_with_parent()
        if os.getppid() != warm_pid:  # the warm grader ended before the line above could tie us to it
            os._exit(1)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        if run.log is not None:
            log = os.open(run.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.close(log)
        os.chdir(run.cwd)
        sys.path[0] = run.cwd  # as `python -m pytest` started there has it
        os.environ.clear()
        os.environ.update(run.env)
        if run.threads is not None:
            import torch

            torch.set_num_threads(run.threads)  # sets OpenMP's count; its pool starts with the first operation
        declare_torch_unused()
        module, _, function = run.call.partition(":")
        result = getattr(importlib.import_module(module), function)(*run.args)
        code = int(result or 0)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - said on the run's own output, as a fresh interpreter would
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


# -- the parent's side -----------------------------------------------------------------------------

class WarmUnavailable(RuntimeError):
    """The warm grader did not start (or ended): the caller grades cold instead."""


@dataclass
class _State:
    pid: int | None = None
    returncode: int | None = None
    forked: threading.Event = field(default_factory=threading.Event)  # set with its pid, or when lost
    done: threading.Event = field(default_factory=threading.Event)


class WarmProcess:
    """A forked child, through the parts of `subprocess.Popen` that a spec run's caller uses."""

    def __init__(self, grader: WarmGrader, run_id: int, state: _State) -> None:
        self._grader, self._id, self._state = grader, run_id, state

    @property
    def pid(self) -> int | None:
        return self._state.pid

    @property
    def returncode(self) -> int | None:
        return self._state.returncode

    def poll(self) -> int | None:
        return self._state.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._state.done.wait(timeout):
            raise subprocess.TimeoutExpired(self._grader.command, timeout)
        return self._state.returncode

    def send_signal(self, sig: int) -> None:
        if not self._state.done.is_set():
            self._grader.send({"id": self._id, "signal": int(sig)})

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class WarmGrader:
    """The parent's handle on one warm grader: starts it, forks runs from it, hears their ends."""

    def __init__(self, threads: int | None) -> None:
        self.threads = threads
        self.command = [sys.executable, "-m", "autograde.batch.warm"]
        replies_r, replies_w = os.pipe()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_DIR),
                                                                         os.environ.get("PYTHONPATH")]))}
        if threads is not None:  # before torch is imported there, as a cold run has it
            env |= {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        self.process = subprocess.Popen([*self.command, str(replies_w)], stdin=subprocess.PIPE, env=env,
                                        cwd=PACKAGE_DIR, pass_fds=(replies_w,))
        os.close(replies_w)
        self._replies: BinaryIO = os.fdopen(replies_r, "rb")
        self._lock = threading.Lock()
        self._runs: dict[int, _State] = {}
        self._next = 0
        # Before any run: the import, done once, within START_TIMEOUT.
        ready = self._replies.readline() if select.select([self._replies], [], [], START_TIMEOUT)[0] else b""
        if not ready:
            self.process.kill()
            self.process.wait()
            raise WarmUnavailable(f"the warm grader did not start (exit code {self.process.returncode})")
        self.pid = json.loads(ready)["ready"]
        threading.Thread(target=self._listen, daemon=True, name="warm-grader-replies").start()

    def start(self, run: Run) -> WarmProcess:
        """Fork `run` from the warm grader; returns once the child exists."""
        state = _State()
        with self._lock:
            run_id, self._next = self._next, self._next + 1
            self._runs[run_id] = state
        self.send({"id": run_id, "run": asdict(run)})
        state.forked.wait()
        if state.pid is None:
            raise WarmUnavailable(f"the warm grader ended before it forked the run (exit code {self.process.poll()})")
        return WarmProcess(self, run_id, state)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, message: dict[str, Any]) -> None:
        try:
            with self._lock:
                self.process.stdin.write(json.dumps(message).encode() + b"\n")
                self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise WarmUnavailable(f"the warm grader has ended (exit code {self.process.poll()})") from None

    def _listen(self) -> None:
        for line in self._replies:
            message = json.loads(line)
            with self._lock:
                state = self._runs.get(message["id"])
            if state is None:
                continue
            if "pid" in message:
                state.pid = message["pid"]
                state.forked.set()
            else:
                state.returncode = message["exit"]
                state.done.set()
                with self._lock:
                    self._runs.pop(message["id"], None)
        with self._lock:  # the warm grader ended: its children ended with it
            lost, self._runs = list(self._runs.values()), {}
        for state in lost:
            state.returncode = LOST
            state.forked.set()
            state.done.set()

    def close(self) -> None:
        """End the warm grader (and any child still running) and wait for it."""
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        self.process.wait()


_GRADERS: dict[int | None, WarmGrader] = {}
_GRADERS_LOCK = threading.Lock()


def grader(threads: int | None) -> WarmGrader:
    """This process's warm grader for runs of `threads` torch threads: started on first use, started
    again if it ended, closed when this process exits. Raises WarmUnavailable if it cannot start."""
    with _GRADERS_LOCK:
        found = _GRADERS.get(threads)
        if found is None or not found.alive:
            if not _GRADERS:
                atexit.register(close_all)
            found = _GRADERS[threads] = WarmGrader(threads)
        return found


def process_ids() -> set[int]:
    """The pids of this process's warm graders: long-lived by design, never a run's leftover."""
    with _GRADERS_LOCK:
        return {g.process.pid for g in _GRADERS.values() if g.alive}


def close_all() -> None:
    """End every warm grader this process started."""
    with _GRADERS_LOCK:
        graders = list(_GRADERS.values())
        _GRADERS.clear()
    for g in graders:
        g.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
