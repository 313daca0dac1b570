"""The sandbox worker: loads one submission and answers probe requests, isolated from the grader.

Started by `autograde.spec.sandbox` as a fork of the grader (`autograde.worker.fork`), or as
`python -m autograde.worker.serve CONFIG_JSON` where a fork is not safe. Requests and answers
are frames on two inherited pipes (never stdout, which the submission may print to): JSON for
structure and safetensors for tensors (`autograde.wire.transport`). Nothing received is unpickled.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

from autograde.wire import channel
from autograde.wire.frames import read_frame, write_frame
from autograde.wire.protocol import Answer, Config, Hello, Request, StatementEvent, encode_loading


class BlockReference(importlib.abc.MetaPathFinder):
    """Submissions are graded against the reference; they may not import it."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "reference" or name.startswith("reference."):
            raise ImportError(f"a submission may not import the reference implementation ({name})")


def isolate(config: Config) -> None:
    """Namespaces and a root of the worker's own first (`autograde.worker.isolation`), where the machine allows
    them; then the limits; then, where the grader is root, the worker drops to a user of its own."""
    from autograde.worker import isolation

    os.setsid()
    isolation.die_with_parent()
    root, ids = os.geteuid() == 0, (os.getuid(), os.getgid())
    # A user of its own, from this process's PID on the host (unique among the processes alive): another
    # worker's processes and files are never its own, nor count against its limits.
    own = isolation.unprivileged_ids(os.getpid())
    if isolation.enter_namespaces() is None:  # otherwise limits (and its own user) only: hiding_problem() says why
        _become_pid_one(config)
        readable = [*isolation.python_paths(), *(Path(p) for p in config.expose)]
        plan = isolation.root_plan(readable, writable=[Path(p) for p in config.writable])
        isolation.enter_root(plan, list(config.hidden), lock=None if root else ids)
    os.chdir(config.cwd)
    isolation.limit_resources(config.memory_bytes, config.cpu_seconds, config.file_bytes, config.processes)
    if root:
        os.chown(config.cwd, *own)  # it may write its own working folder, nothing else
        isolation.drop_privileges(*own)
        isolation.die_with_parent()


def _become_pid_one(config: Config) -> None:
    """Go on as PID 1 of the new PID namespace (a forked child; this process waits for it and exits
    with its status): when it ends, the kernel ends every process it left behind, detached or not."""
    from autograde.worker import isolation

    child = os.fork()
    if child:  # it waits and holds nothing of the grader's: only the answering process may hold the pipes
        os.close(config.requests_fd)
        os.close(config.answers_fd)
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    isolation.die_with_parent()


PRELOADED = ("torch", "torchvision", "pytorch_lightning", "lightning")


def preload() -> None:
    """Trusted, slow imports first, before the grader needs us and before the submission runs: both
    Lightning packages, since importing one wraps torch.compile again, which the tamper check would
    take for the submission's doing (`lightning` adds ~0.3 s to `pytorch_lightning`)."""
    for name in PRELOADED:
        with contextlib.suppress(ImportError):
            __import__(name)


def serve(config: Config, requests: BinaryIO, answers: BinaryIO) -> None:
    from autograde.common.errors import ObservationError, SubmissionProblem, Tampered
    from autograde.common.tracebacks import describe
    from autograde.wire.transport import decode, encode
    from autograde.worker import integrity
    from autograde.worker.execution import Budget
    from autograde.worker.loading import load_path
    from autograde.worker.probes import PROBES

    preload()
    if not config.allow_reference:
        sys.meta_path.insert(0, BlockReference())
    # The reply path and the probe table, taken before the submission can replace them; then the watch
    # records everything the probes rely on (`autograde.worker.integrity`).
    reply, probes = write_frame, dict(PROBES)
    watch = integrity.start() if config.tamper_check else None
    tampered: list[str] = []  # what the submission replaced: from the first, every answer says so
    previous: list[str] = []  # the statement that ran last, for a change found before the next one

    # The watch's own code, checked from outside it: a swapped `Watch.verify.__code__` would check nothing.
    own = (integrity.Watch.verify, integrity.Watch._changes)
    own_code = tuple(f.__code__ for f in own)

    def verify(when: str) -> None:
        swapped = integrity.restore_code(own, own_code)
        if swapped:
            words = ", ".join(what for what, _ in swapped)
            raise Tampered(f"the submission replaced {words} (the tamper watch itself) {when}")
        watch.verify(when)

    def look(when: str) -> None:
        if watch is not None:
            try:
                verify(when)
            except Tampered as exc:
                tampered.append(exc.message)

    def tell(event: str, file: str, stmt: Any, budget: float) -> None:  # the parent watches loading through these
        if event == "start" and previous:
            look(f"while loading (by {previous[0]})")
        previous[:] = [f"{file} {stmt.where}: `{stmt.code}`"]
        reply(answers, *encode_loading(StatementEvent(event, file, stmt.ordinal, stmt.where, stmt.code, budget)))

    skip = {(file, ordinal): (outcome, why) for file, ordinal, outcome, why in config.skip}
    budget = Budget(config.statement_timeout, config.load_timeout, skip)
    submission = load_path(Path(config.submission), budget, tell)
    look(f"while loading (by {previous[0]})" if previous else "while loading")
    hello = Hello(tuple(submission.notes), tuple(f.report() for f in submission.files),
                  tuple((e.message, e.detail) for e in submission.import_errors), tuple(tampered))
    reply(answers, *encode_loading(hello))
    while (frame := read_frame(requests)) is not None:
        request = Request.from_data(decode(*frame))
        try:
            if tampered:
                raise Tampered(tampered[0])
            obj = submission.resolve(request.name)
            value = probes[request.probe](obj, request.name, *request.args, **request.kwargs)
            if watch is not None:
                verify(f"while the grader ran {request.probe} on `{request.name}`")
            answer = encode(Answer(value=value).as_data())
        except SubmissionProblem as exc:
            if isinstance(exc, Tampered) and not tampered:
                tampered.append(exc.message)
            answer = encode(Answer.failure(exc).as_data())
        except Exception as exc:  # noqa: BLE001 - a probe's own failure still gets an answer
            error = ObservationError(f"the probe {request.probe} failed: {describe(exc)}")
            answer = encode(Answer.failure(error).as_data())
        reply(answers, *answer)


def run(config: Config) -> None:
    """The worker's whole life: isolate, load, answer until the grader closes the pipe."""
    requests = os.fdopen(config.requests_fd, "rb")
    answers = os.fdopen(config.answers_fd, "wb")
    isolate(config)
    for fd in (config.requests_fd, config.answers_fd):  # only this process holds them: no program it
        os.set_inheritable(fd, False)                          # starts, nor any child it forks
    channel.close_in_children(config.requests_fd, config.answers_fd)
    serve(config, requests, answers)


if __name__ == "__main__":
    run(Config.from_json(sys.argv[1]))
