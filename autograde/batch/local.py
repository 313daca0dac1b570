"""`pset3 grade`'s runner on this machine: `workers` spec runs side by side, all reading one CIFAR-10."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from autograde.batch.grade import Job
from autograde.batch.graded import Graded, grade_submission
from autograde.batch.specrun import threads_each
from autograde.common import synthetic_cifar


@dataclass(frozen=True)
class LocalRunner:
    workers: int = 2
    where: str = ""

    def run(self, todo: list[Path], job: Job, record: Callable[[Graded], None]) -> None:
        from autograde.worker.isolation import hiding_warning

        if warning := hiding_warning():  # once per batch
            print(f"pset3 grade: warning: {warning}", file=sys.stderr)
        threads = threads_each(self.workers)
        with tempfile.TemporaryDirectory(prefix="pset3-data-") as tmp:
            root = synthetic_cifar.data_root(job.data_root, Path(tmp))
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                jobs = [pool.submit(grade_submission, p, root, threads, list(job.extra), job.seed, cold=job.cold)
                        for p in todo]
                for finished in as_completed(jobs):
                    record(finished.result())
