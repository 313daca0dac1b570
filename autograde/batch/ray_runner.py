"""`pset3 grade --ray [ADDRESS]`: one Ray task per submission, exactly one result each.

Each task runs the same per-submission grade as the local path (`graded.grade_submission`: the same
pytest process, sandbox, results, feedback and JUnit) on whichever node Ray picks. The submission's
files travel with the task and its outputs come back as data, which the driver writes atomically
under OUT: no filesystem is shared. A node writes its synthetic CIFAR-10 once, under its temporary
folder. A task whose worker process or node is lost is retried by Ray (`retries`); one that still
fails, or raises, gets a fail-closed result with the reason. `ray` is imported only here.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograde.batch.grade import Job
from autograde.batch.graded import Graded, grade_submission
from autograde.common import intake, synthetic_cifar
from autograde.spec.results import fail_closed
from autograde.spec.rubric import load_rubric


@dataclass(frozen=True)
class RayOptions:
    address: str | None = None  # a running cluster ("auto", "ray://HOST:10001", "HOST:6379"); None: a local one
    cpus: float = 1.0  # per task; the spec run's torch gets as many threads
    gpus: float = 0.0  # per task, for --tier gpu
    retries: int = 3  # Ray's retries of a task whose worker process or node died


def grade_task(name: str, files: intake.Files, data_root: str | None, threads: int, extra: list[str],
               seed: str, cold: bool = False) -> Graded:
    """The body of one Ray task, on a node: the submission unpacked into a fresh folder and graded. Its
    spec run is forked from this Ray worker process's warm grader (`autograde.batch.warm`), started by
    the worker's first task and kept for every later one: the tasks a worker runs share one import."""
    with tempfile.TemporaryDirectory(prefix="pset3-ray-") as tmp:
        submission = intake.write(files, Path(tmp) / name)
        # This node's own synthetic CIFAR-10 unless one was given: written once, atomically, so that tasks
        # side by side share it.
        root = synthetic_cifar.data_root(Path(data_root) if data_root else None, Path(tempfile.gettempdir()))
        return grade_submission(submission, root, threads, extra, seed, cold=cold)


def connect(options: RayOptions) -> bool:
    """Connect to the cluster, or start a local instance; True when this call started it (and so must
    shut it down). A local instance serves this machine only: its processes start in a network
    namespace whose one interface is the loopback (Ray's own servers listen on every address they
    have, whatever `_node_ip_address` says), so nothing off this machine can reach them."""
    import ray

    if ray.is_initialized():
        return False
    if options.address:
        ray.init(address=options.address, log_to_driver=False)
        return True
    from autograde.worker.isolation import loopback_only

    if (why := loopback_only()) is not None:
        print(f"pset3 grade --ray: warning: the local Ray instance listens on this machine's addresses, not the "
              f"loopback only ({why}; run as root to confine it)", file=sys.stderr)
    ray.init(include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    return True


def _check_resources(options: RayOptions) -> None:
    """A task no node can ever hold would wait forever: say so instead."""
    import ray

    total = ray.cluster_resources()
    for kind, need in (("CPU", options.cpus), ("GPU", options.gpus)):
        if need > total.get(kind, 0):
            raise ValueError(f"--ray: each task asks for {need:g} {kind}, and the cluster has "
                             f"{total.get(kind, 0):g} in all")


@dataclass(frozen=True)
class RayRunner:
    """`pset3 grade`'s runner on Ray: one task per submission; each result handed back as it arrives."""

    options: RayOptions = RayOptions()
    where: str = " on Ray"

    def run(self, todo: list[Path], job: Job, record: Callable[[Graded], None]) -> None:
        import ray

        options = self.options
        started = connect(options)
        try:
            _check_resources(options)
            task = ray.remote(grade_task).options(num_cpus=options.cpus, num_gpus=options.gpus,
                                                  max_retries=options.retries, retry_exceptions=False)
            threads = max(1, int(options.cpus))
            root = str(job.data_root) if job.data_root else None
            pending = {}
            for p in todo:
                try:  # read here, safely (`autograde.common.intake`): the task gets the files, not the path
                    files = intake.read(p)
                except intake.Refused as exc:
                    record(Graded(p.name, fail_closed(load_rubric(), str(exc)), None))
                    continue
                pending[task.remote(p.name, files, root, threads, list(job.extra), job.seed, job.cold)] = p
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    record(_result(ref, pending.pop(ref).name, options))
        finally:
            if started:
                ray.shutdown()


def _result(ref: object, name: str, options: RayOptions) -> Graded:
    """The task's outputs, or a fail-closed result saying why there are none."""
    import ray

    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:
        text = str(exc).strip()
        cause = text.splitlines()[0] if text else ""
        reason = (f"its Ray task failed ({type(exc).__name__}: {cause}) after {options.retries} "
                  f"retr{'y' if options.retries == 1 else 'ies'}")
        return Graded(name, fail_closed(load_rubric(), reason), None)
