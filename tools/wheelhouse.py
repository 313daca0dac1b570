"""Offline set-up for the GPU tier: build a wheelhouse here, install from it on the GPU machine.

The GPU machine has no network but its own CUDA build of torch (and Lightning, pytest,
pytest-benchmark). `build` downloads, here, wheels of the few other packages the GPU tier needs,
for every CPython it may run (pure-Python wheels and abi3 ones work on all of them), and tox itself.
`install` runs inside `tox -e gpu`: it makes the machine's own torch visible to the env (even when
that torch lives in another virtual environment), then installs only what is still missing, from
the wheelhouse when it has it, else from the configured package index (here, where torch comes
from this machine's disk).

    python tools/wheelhouse.py build [--dest wheelhouse]      # here, with the package registry
    python tools/wheelhouse.py install [--wheelhouse DIR]     # what `tox -e gpu` runs first
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_WHEELHOUSE = REPO / "wheelhouse"
PYTHONS = ("3.11", "3.12", "3.13")  # the suite needs 3.11+ (tomllib)
# What the GPU tier imports, beyond the standard library; the machine normally brings the first five.
GPU_TIER = ("torch", "torchvision", "pytorch-lightning", "pytest", "pytest-benchmark",
            "numpy", "safetensors", "rich", "syrupy")
BUILD_ONLY = ("tox",)  # installed by hand on the GPU machine, before `tox -e gpu`
MACHINE_PROVIDED = ("torch", "torchvision", "pytorch-lightning", "numpy")  # CUDA builds; numpy comes with torch


def pins() -> dict[str, str]:
    """The project's requirements by distribution name, each pinned to CI's version where
    constraints.txt has one (syrupy==7.0.2, ...), else as pyproject.toml states it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = (REPO / "constraints.txt").read_text().splitlines()
    tested = {canonical(line.split("==")[0]): line.strip() for line in lines if "==" in line and line[0] != "#"}
    found = {}
    for spec in [*project["dependencies"], *sum(project.get("optional-dependencies", {}).values(), [])]:
        name = canonical(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0])
        found[name] = tested.get(name, spec)
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def build(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    project = pins()
    wanted = [project.get(name, name) for name in (*GPU_TIER, *BUILD_ONLY) if name not in MACHINE_PROVIDED]
    for version in PYTHONS:
        cmd = [sys.executable, "-m", "pip", "download", "-qq", "--dest", str(dest), "--only-binary=:all:",
               "--python-version", version, "--implementation", "cp", "--platform", "manylinux2014_x86_64",
               "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux_2_28_x86_64", *wanted]
        print(f"wheels for CPython {version}: {' '.join(wanted)}", flush=True)
        subprocess.run(cmd, check=True)
    size = sum(p.stat().st_size for p in dest.iterdir()) / 2**20
    print(f"{dest}: {len(list(dest.iterdir()))} wheels, {size:.1f} MiB")


def installed(name: str) -> bool:
    try:
        importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def machine_pythons() -> list[str]:
    """The interpreters that may hold the machine's torch: $PSET3_GPU_PYTHON (the one tox -e gpu was
    built from), then python3 and python on PATH, outside this env."""
    env_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != env_bin)
    on_path = [shutil.which(exe, path=path) or "" for exe in ("python3", "python")]
    found = [os.environ.get("PSET3_GPU_PYTHON", ""), *on_path]
    return [exe for exe in dict.fromkeys(found) if exe and str(Path(exe).parent) != env_bin]


def machine_site_dirs() -> list[str]:
    """Where the machine's own torch lives: the site folders of the first of `machine_pythons` that
    imports torch. A virtualenv made from another venv's Python sees only the base Python's packages
    even with system site packages on, so those folders are added with a .pth file."""
    for found in machine_pythons():
        # Package folders only: not the standard library, nor PYTHONPATH (this checkout, in tox -e gpu).
        probe = ("import torch, site, sys; print('\\n'.join(site.getsitepackages() + "
                 "[p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))]))")
        result = subprocess.run([found, "-c", probe], capture_output=True, text=True)
        if result.returncode == 0:
            return [line for line in result.stdout.splitlines() if Path(line).is_dir()]
    return []


def install(wheelhouse: Path) -> int:
    if not installed("torch"):
        dirs = list(dict.fromkeys(machine_site_dirs()))
        if dirs:
            pth = Path(sysconfig.get_paths()["purelib"]) / "_pset3_machine_torch.pth"
            pth.write_text("\n".join(dirs) + "\n")
            print(f"using the machine's own torch: {pth} adds {', '.join(dirs)}")
            sys.path.extend(d for d in dirs if d not in sys.path)  # the .pth counts from the next start
            importlib.invalidate_caches()
    project = pins()
    missing = [name for name in GPU_TIER if not installed(name)]
    local = {canonical(p.name.split("-")[0]) for p in wheelhouse.glob("*.whl")} if wheelhouse.is_dir() else set()
    from_wheelhouse = [project.get(n, n) for n in missing if n in local]
    from_index = [project.get(n, n) for n in missing if n not in local]
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if from_wheelhouse:
        print(f"installing from {wheelhouse}: {' '.join(from_wheelhouse)}", flush=True)
        subprocess.run([*pip, "--no-index", "--find-links", str(wheelhouse), *from_wheelhouse], check=True)
    if from_index:
        print(f"not installed and not in {wheelhouse}, so from the package index: {' '.join(from_index)} "
              f"(on a GPU machine without network, the machine's Python must bring these)", flush=True)
        if subprocess.run([*pip, *from_index]).returncode != 0:
            print(f"could not install {' '.join(from_index)}: run `python tools/wheelhouse.py build` where the "
                  f"package index is reachable and bring wheelhouse/ along", file=sys.stderr)
            return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="download the wheels (needs the package index)").add_argument(
        "--dest", type=Path, default=DEFAULT_WHEELHOUSE)
    sub.add_parser("install", help="install what the GPU tier lacks (inside tox -e gpu)").add_argument(
        "--wheelhouse", type=Path, default=DEFAULT_WHEELHOUSE)
    args = parser.parse_args()
    if args.command == "build":
        build(args.dest)
        return 0
    return install(args.wheelhouse)


if __name__ == "__main__":
    sys.exit(main())
