"""A wheel installed into a fresh venv, far from any checkout, and commands run there.

The venv reuses this environment's packages (torch among them) through a .pth file instead of
installing them again; pip installs the wheel into it without an index, and `pip check` then
proves the wheel's dependencies are met by exactly the versions tested here (constraints.txt).
"""

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path


def install(wheel: Path, home: Path) -> Path:
    """A fresh venv under `home` with `wheel` installed; returns its bin folder."""
    venv.EnvBuilder(with_pip=False).create(home / "venv")
    site = Path(sysconfig.get_paths(vars={"base": str(home / "venv"), "platbase": str(home / "venv")})["purelib"])
    (site / "this-machines-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    bin_dir = home / "venv" / "bin"
    pip = [sys.executable, "-m", "pip", "--python", str(bin_dir / "python")]
    # --ignore-installed: this environment's editable install of the project is visible through the .pth
    for args in (["install", "--quiet", "--no-index", "--no-deps", "--ignore-installed", str(wheel)], ["check"]):
        run = subprocess.run([*pip, *args], capture_output=True, text=True, env=clean_env())
        assert run.returncode == 0, f"pip {args[0]}: {run.stdout}{run.stderr}"
    return bin_dir


# For runs side by side: more torch threads than cores makes every op spin-wait (autograde.batch.specrun).
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def clean_env() -> dict[str, str]:
    """This environment's variables, less any that would point Python at the checkout."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def command(bin_dir: Path, *args: str, cwd: Path, **env: str) -> subprocess.Popen:
    """`args` run from the venv's bin folder, with `env` added to its environment."""
    return subprocess.Popen([str(bin_dir / args[0]), *args[1:]], cwd=cwd, env={**clean_env(), **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, code: int = 0) -> str:
    """What the command printed, once it has exited with `code`."""
    output = proc.communicate(timeout=600)[0]
    assert proc.returncode == code, f"{proc.args} exited with {proc.returncode}, expected {code}:\n{output[-3000:]}"
    return output
