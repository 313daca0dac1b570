"""Processes forked from one that imported torch, so that all of them share one copy of it.

`import torch` (CUDA build) takes ~280 MB of private memory per process, torchvision and Lightning
~130 MB more: every fresh interpreter holds a copy of all of it. Forked after the import, a process
shares those pages copy-on-write (`gc.freeze()` keeps the collector from touching them) and starts
without importing anything: the sandbox forks its worker from the spec's pytest process.

A fork is only safe from a clean parent: torch not yet used (OpenMP's pool, once started, does not
survive a fork; nor does a CUDA context), no other thread, and nothing of the reference or the
spec imported (the submission must not find them in its memory). The first worker of a spec run
is started before any of that: in a fresh interpreter torch is not even imported yet; in a run
forked from the warm grader (`autograde.batch.warm`) it is imported but has run nothing, which the
run declares (`declare_torch_unused`). `can_fork` says when it is not so (a second worker of one
spec run, the machinery's own tests), and the sandbox then starts a fresh interpreter.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

from autograde.wire.protocol import Config

PRIVATE_MODULES = ("reference", "spec_tests")  # never in a worker's memory
_INHERITED: list[Any] = []  # the grader's stream objects, kept alive: freed, they would close reused descriptors
_torch_unused = False  # torch is imported but has run nothing (a run forked from the warm grader)


def declare_torch_unused() -> None:
    """Said by a process forked from one that imported torch and ran none of it (`autograde.batch.warm`),
    before it runs any: its first worker may still be forked from it."""
    global _torch_unused
    _torch_unused = True


def can_fork() -> bool:
    """Whether this process is still clean enough to fork the worker from: torch not imported yet, or
    imported and declared unused (so it has started no OpenMP pool and no CUDA context; numpy's
    OpenBLAS pool is fork-safe), no other Python thread (one holding a lock would leave it held in the
    child), nothing private."""
    import threading

    private = any(m.split(".")[0] in PRIVATE_MODULES for m in sys.modules)
    fresh = "torch" not in sys.modules or _torch_unused
    return fresh and threading.active_count() == 1 and not private


class ForkedWorker:
    """The parts of `subprocess.Popen` the sandbox uses, for a forked worker."""

    def __init__(self, pid: int, stdout: Any) -> None:
        self.pid = pid
        self.stdout = stdout
        self.returncode: int | None = None

    def wait(self) -> int:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


def fork_worker(config: Config, cwd: Path, env: dict[str, str], package_dir: Path) -> ForkedWorker:
    """Fork the worker for `config` (its pipes among the inherited descriptors); the child never
    returns here."""
    from autograde.worker import serve as worker

    worker.preload()  # what the worker would import, now shared
    out_r, out_w = os.pipe()
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _become_worker(config, cwd, env, package_dir, out_w)
            worker.run(config)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - report it on the worker's own output, as a fresh one would
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    global _torch_unused
    _torch_unused = False  # from now on this process computes: a later worker is a fresh interpreter
    os.close(out_w)
    return ForkedWorker(pid, os.fdopen(out_r, "rb"))


def _become_worker(config: Config, cwd: Path, env: dict[str, str], package_dir: Path, out_w: int) -> None:
    """In the child: the descriptors, environment, paths and argv a fresh `python -m autograde.worker.serve` has."""
    import faulthandler

    faulthandler.disable()
    grader_dirs = {os.getcwd(), "", str(package_dir)}
    _INHERITED.extend([sys.stdin, sys.stdout, sys.stderr])
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_w, 1)
    os.dup2(out_w, 2)
    keep = sorted({0, 1, 2, config.requests_fd, config.answers_fd})
    for low, high in zip(keep, [*keep[1:], os.sysconf("SC_OPEN_MAX")], strict=True):
        os.closerange(low + 1, high)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own standard streams
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.path[:] = [str(cwd), str(package_dir), *(p for p in sys.path if p not in grader_dirs)]
    sys.path_importer_cache.clear()
    sys.meta_path[:] = [f for f in sys.meta_path if "pytest" not in type(f).__module__]  # assertion rewriting
    sys.argv = ["-m", config.to_json()]
    _forget_resource_tracker()


def _forget_resource_tracker() -> None:
    """multiprocessing's resource tracker of the grader (its pipe is closed here): the worker's own
    multiprocessing (DataLoader workers) starts one of its own, as a fresh interpreter would."""
    import multiprocessing

    multiprocessing.set_start_method(None, force=True)  # the default (fork), as a fresh interpreter has
    tracker = sys.modules.get("multiprocessing.resource_tracker")
    if tracker is not None:
        tracker._resource_tracker._fd = None
        tracker._resource_tracker._pid = None
