"""`pset3 gradescope --out autograder.zip`: the zip Gradescope's autograder settings take.

At its root: setup.sh and run_autograder (Gradescope's two entry points), the project's wheel,
requirements.txt and constraints.txt (every package the grader needs, pinned to the versions of the
environment that builds the bundle, torch's CUDA-only companions left out: the image gets CPU-only
torch), and rubric.toml (the course's points, titles and visibilities).
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograde.common.layout import CHECKOUT
from autograde.spec.rubric import DEFAULT_RUBRIC, load_rubric

DISTRIBUTION = "pset3-spec"
CUDA_ONLY = ("nvidia-", "cuda-", "triton")  # what torch's CUDA build pulls in; the CPU build needs none of it
ENTRY_POINTS = ("setup.sh", "run_autograder")
# The container the autograder needs: grading one submission peaks at ~1.25-1.3 GiB summed PSS with torch's
# CUDA build here (`benchmarks/grading_memory.py`; about 0.2-0.3 GiB of that is CUDA libraries a CPU-only torch
# does not load), so Gradescope's default 768 MB is too small; 2 CPUs run the spec run and the worker side by side.
CONTAINER = "at least 2 GB of memory and 2 CPUs (Gradescope's default of 768 MB is too small for torch and Lightning)"
SKIPPED_IN_COPY = (".git", ".tox", ".venv", "build", "dist", "out", "wheelhouse", "*.egg-info", "__pycache__",
                   ".benchmarks", "runs")


def build_wheel(into: Path) -> Path:
    """The project's wheel, built from a copy of the checkout (setuptools reuses a build/ folder it
    finds, stale files included)."""
    if CHECKOUT is None:
        raise FileNotFoundError("no checkout to build the wheel from: pass --wheel PATH (a pset3-spec wheel)")
    with tempfile.TemporaryDirectory(prefix="pset3-wheel-") as tmp:
        source = Path(tmp) / "source"
        shutil.copytree(CHECKOUT, source, ignore=shutil.ignore_patterns(*SKIPPED_IN_COPY))
        return pip_wheel(source, into)


def pip_wheel(source: Path, into: Path) -> Path:
    """Build the wheel of the project at `source` into `into` (this machine's setuptools where it has
    one, so nothing is downloaded)."""
    reuse = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(into), *reuse, str(source)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"building the wheel failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    return max(into.glob("*.whl"), key=lambda p: p.stat().st_mtime)


def pinned_requirements() -> list[str]:
    """`name==version` for every package the grader needs, as installed here, CUDA-only ones left out."""
    environment = default_environment() | {"extra": ""}
    pins: dict[str, str] = {}
    todo = [DISTRIBUTION]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in pins or name.startswith(CUDA_ONLY):
            continue
        dist = importlib.metadata.distribution(name)
        pins[name] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                todo.append(requirement.name)
    del pins[DISTRIBUTION]
    return [f"{name}=={version.split('+')[0]}" for name, version in sorted(pins.items())]


def build(out: Path, wheel: Path | None = None, rubric: Path = DEFAULT_RUBRIC) -> Path:
    """Write the autograder zip to `out`."""
    load_rubric(rubric)  # a broken rubric fails here, not on Gradescope
    pins = pinned_requirements()
    direct = {canonicalize_name(Requirement(r).name) for r in importlib.metadata.requires(DISTRIBUTION) or []
              if "extra ==" not in r}
    header = "# pinned by `pset3 gradescope` from the environment that built this bundle\n"
    with tempfile.TemporaryDirectory(prefix="pset3-bundle-") as tmp:
        wheel = wheel or build_wheel(Path(tmp))
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name in ENTRY_POINTS:
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o100755 << 16  # executable once unzipped
                info.compress_type = zipfile.ZIP_DEFLATED
                text = importlib.resources.files("autograde.batch.gradescope").joinpath(name).read_text()
                bundle.writestr(info, text)
            bundle.write(wheel, wheel.name)
            bundle.writestr("requirements.txt", header + "".join(f"{p}\n" for p in pins
                                                                 if canonicalize_name(p.split("==")[0]) in direct))
            bundle.writestr("constraints.txt", header + "".join(f"{p}\n" for p in pins))
            bundle.write(rubric, "rubric.toml")
    return out
