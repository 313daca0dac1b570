"""`pset3 kit --out DIR`: what a course hands to students, as Otter's `otter assign` makes a student
version beside the autograder's.

The kit is a wheel of its own (`pset3-kit`): the spec, the machinery `pset3 check` and `pset3
template` need, the contract, the rubric's public questions, and the reference's answers recorded
under the public seed (`autograde.spec.recording`). It carries no reference source or bytecode, no
mutant (a mutant is the reference with one edit), and none of the staff's batch tools (grading,
the Gradescope bundle, the kill matrix): a student who reads every file of it learns the questions,
never the answers. Grading stays with the staff build: the live reference under random seeds.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

from autograde import __version__
from autograde.batch.specrun import pytest_command
from autograde.common.layout import GRADER_DIR, IS_KIT, PACKAGE_DIR, RECORDED_ANSWERS, SPEC_DIR
from autograde.spec.recording import NOT_IN_KIT, RECORDED_SEED
from autograde.spec.rubric import DEFAULT_RUBRIC, load_rubric

DISTRIBUTION = "pset3-kit"
# The staff's side of `autograde`, left out of the kit: what builds the kit and the Gradescope bundle,
# grades batches, proposes mappings for them (`pset3 map`), and runs the mutants (whose catalogue holds edits
# of the reference).
STAFF_ONLY = ("batch/gradescope", "batch/classreport", "batch/grade.py", "batch/graded.py", "batch/local.py",
              "batch/ray_runner.py", "commands/kit.py", "commands/matrix.py", "commands/mutants.py",
              "commands/propose.py", "commands/train.py")
NEVER_COPIED = ("__pycache__", "*.pyc", "recorded")
WHEEL = f"{DISTRIBUTION.replace('-', '_')}-{__version__}-py3-none-any.whl"
STUDENT_README = """\
# Problem set 3: the checker

`pset3 check` runs the course's public spec on your submission, question by question, in the
same sandbox the grader uses, and compares it with the reference's answers recorded for the
public seed ({seed}). The reference itself is not in this kit.

    python3.11 -m venv pset3 && . pset3/bin/activate
    pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu
    pip install {wheel}
    pset3 template my_submission/      # a skeleton with every name the problem set asks for
    pset3 check my_submission/         # or a .py file, or a notebook
    pset3 check --watch my_submission/ # checks again each time you save (torch is imported once)

A check marked "{not_in_kit}" needs the live reference (for example the
speed spec): the kit counts it neither passed nor failed. Your course grades with the live
reference under a fresh random seed, so answers memorised from this kit earn nothing.
"""


def record(into: Path) -> Path:
    """Run the spec on the reference under the public seed, recording every answer the reference gives."""
    path = into / RECORDED_ANSWERS.name
    with tempfile.TemporaryDirectory(prefix="pset3-record-") as tmp:
        run = subprocess.run(pytest_command("reference", "-q", "--record-answers", str(path),
                                            "--seed", str(RECORDED_SEED)),
                             cwd=tmp, capture_output=True, text=True)
    if run.returncode != 0 or not path.is_file():
        raise RuntimeError(f"recording the reference's answers failed (exit {run.returncode}): the reference must "
                           f"pass its own spec:\n{run.stdout[-3000:]}{run.stderr[-1000:]}")
    return path


def public_rubric(source: Path) -> str:
    """The rubric a student sees: every question but those the course keeps hidden."""
    rubric = load_rubric(source)
    lines = [f'scoring = "{rubric.scoring}"', ""]
    for q in rubric.questions.values():
        if q.visibility != "hidden":
            lines += [f'[questions."{q.id}"]', f"title = {_toml_string(q.title)}", f"points = {q.points:g}"]
    for prop, table in rubric.properties.items():  # a property counted toward a hidden question is kept back
        shown = {name: qid for name, qid in table.items() if rubric.questions[qid].visibility != "hidden"}
        lines += [f"[properties.{prop}]", *(f'{name} = "{qid}"' for name, qid in shown.items())]
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _dependencies() -> list[str]:
    """The staff distribution's own requirements, extras left out: the kit runs on the same packages."""
    requires = importlib.metadata.requires("pset3-spec") or []
    return [r for r in requires if "extra ==" not in r]


def _pyproject() -> str:
    deps = "".join(f"\n    {_toml_string(d)}," for d in _dependencies())
    text = f"""\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{DISTRIBUTION}"
version = "{__version__}"
description = "Problem set 3's public spec and checker (pset3 check, pset3 template): no reference inside"
readme = "README.md"
requires-python = ">=3.11"
dependencies = [{deps}
]

[project.scripts]
pset3 = "autograde.commands.cli:main"

[project.entry-points.pytest11]
"autograde.spec.plugin" = "autograde.spec.plugin"

[tool.setuptools.packages.find]
include = ["autograde", "autograde.*", "spec_tests", "spec_tests.*"]

[tool.setuptools.package-data]
"autograde.common" = ["contract.toml"]
"autograde.spec" = ["rubric.toml", "recorded/{RECORDED_ANSWERS.name}"]
"""
    tomllib.loads(text)  # a kit that would not build fails here, with the line
    return text


def stage(source: Path, recording: Path, rubric: Path) -> None:
    """The kit's project tree at `source`: the machinery less STAFF_ONLY, the spec, the recording."""
    ignore = shutil.ignore_patterns(*NEVER_COPIED)
    shutil.copytree(GRADER_DIR, source / "autograde", ignore=ignore)
    for name in STAFF_ONLY:
        target = source / "autograde" / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    shutil.copytree(SPEC_DIR, source / "spec_tests", ignore=ignore)
    (source / DEFAULT_RUBRIC.relative_to(PACKAGE_DIR)).write_text(public_rubric(rubric))
    recorded = source / RECORDED_ANSWERS.parent.relative_to(PACKAGE_DIR)
    recorded.mkdir()
    shutil.copyfile(recording, recorded / RECORDED_ANSWERS.name)
    (source / "pyproject.toml").write_text(_pyproject())
    (source / "README.md").write_text(STUDENT_README.format(seed=RECORDED_SEED, wheel=WHEEL, not_in_kit=NOT_IN_KIT))


def build(out: Path, recording: Path | None = None, rubric: Path = DEFAULT_RUBRIC) -> Path:
    """Write the kit into `out` (its wheel and a README for students); returns the wheel. `recording`:
    answers already recorded by `record` (default: record them now, about half a minute)."""
    from autograde.batch.gradescope.bundle import pip_wheel

    if IS_KIT:
        raise RuntimeError("this is the student kit: build the kit from the staff grader (a checkout or the "
                           "pset3-spec wheel)")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pset3-kit-") as tmp:
        source = Path(tmp) / "source"
        recording = recording or record(Path(tmp))
        stage(source, recording, rubric)
        wheel = pip_wheel(source, Path(tmp) / "dist")
        if wheel.name != WHEEL:
            raise RuntimeError(f"the kit's wheel is {wheel.name}, expected {WHEEL}")
        shutil.copyfile(wheel, out / WHEEL)
        shutil.copyfile(source / "README.md", out / "README.md")
    return out / WHEEL


