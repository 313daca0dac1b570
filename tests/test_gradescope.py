"""`pset3 gradescope`: the zip Gradescope takes, and its run_autograder on a Gradescope-like tree.

run_autograder runs here on this environment (PSET3_PYTHON) instead of the venv setup.sh would
build, against a temporary root (PSET3_AUTOGRADER_ROOT) laid out as Gradescope lays /autograder.
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograde.batch.gradescope.bundle import ENTRY_POINTS, build
from autograde.common import synthetic_cifar
from autograde.spec.rubric import load_rubric
from tools.examples import FOLDER

TOTAL = load_rubric().total()  # every point of the bundled rubric

SUBMISSIONS = Path(__file__).parent / "submissions"
HIDDEN_UNTIL_DUE = "2.2"  # the syntax error's course keeps this question back (its bundled rubric says so)
UPLOADS = {  # what the student uploaded -> the score it earns
    "correct": ([FOLDER / "correct.py"], TOTAL),
    "notebook": (sorted((FOLDER / "notebook").iterdir()), 26),  # Part 2 only, through its pset3.toml
    "syntax_error": ([SUBMISSIONS / "syntax_error.py"], 0),
    "forger": ([SUBMISSIONS / "hostile_writes_results.py"], 0),
}


@pytest.fixture(scope="module")
def bundle(wheel, tmp_path_factory) -> Path:
    """The autograder zip, unzipped as Gradescope does into /autograder/source."""
    source = tmp_path_factory.mktemp("bundle") / "source"
    with zipfile.ZipFile(build(source.parent / "autograder.zip", wheel=wheel)) as z:
        z.extractall(source)
        for info in z.infolist():  # zipfile does not restore permissions
            (source / info.filename).chmod(info.external_attr >> 16 & 0o777 or 0o644)
    return source


def autograder_root(base: Path, bundle: Path, files: list[Path]) -> Path:
    root = base / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    shutil.copytree(bundle, root / "source")
    for f in files:
        shutil.copy(f, root / "submission")
    return root


def run_autograder(root: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PSET3_AUTOGRADER_ROOT": str(root), "PSET3_PYTHON": sys.executable, **env}
    return subprocess.run([str(root / "source" / "run_autograder")], env=environment, capture_output=True, text=True,
                          timeout=600)


def results(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_has_gradescopes_entry_points_at_its_root_and_pinned_requirements(bundle):
    for name in ENTRY_POINTS:
        assert (bundle / name).is_file() and (bundle / name).stat().st_mode & stat.S_IXUSR, name
        assert subprocess.run(["bash", "-n", str(bundle / name)]).returncode == 0, f"{name} is not valid bash"
    assert len(list(bundle.glob("pset3_spec-*-py3-none-any.whl"))) == 1
    pins = (bundle / "requirements.txt").read_text().split()
    assert {"torch==2.14.1", "torchvision==0.29.1"} <= set(pins), pins
    constraints = [line for line in (bundle / "constraints.txt").read_text().splitlines() if not line.startswith("#")]
    assert constraints and all("==" in line for line in constraints)
    assert not [line for line in constraints if line.startswith(("nvidia-", "triton"))], "CUDA-only packages pinned"
    load_rubric(bundle / "rubric.toml")


@pytest.fixture(scope="module")
def cifar(tmp_path_factory) -> Path:
    """The synthetic CIFAR-10 setup.sh writes once into the image."""
    return synthetic_cifar.write(tmp_path_factory.mktemp("data") / "cifar10")


@pytest.fixture(scope="module")
def graded(bundle, cifar, tmp_path_factory) -> dict[str, Path]:
    """Each upload graded by run_autograder in a tree of its own, two side by side."""

    def grade(name: str) -> Path:
        root = autograder_root(tmp_path_factory.mktemp(name), bundle, UPLOADS[name][0])
        if name == "syntax_error":
            rubric = root / "source" / "rubric.toml"
            rubric.write_text(rubric.read_text().replace(f'[questions."{HIDDEN_UNTIL_DUE}"]\n',
                                                         f'[questions."{HIDDEN_UNTIL_DUE}"]\n'
                                                         f'visibility = "after_due_date"\n'))
        done = run_autograder(root, PSET3_DATA_ROOT=str(cifar), OMP_NUM_THREADS="1")
        assert done.returncode == 0, done.stdout + done.stderr
        return root

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(UPLOADS, pool.map(grade, UPLOADS), strict=True))


@pytest.mark.parametrize("name", UPLOADS)
def test_each_upload_gets_the_score_it_earns_in_a_valid_results_json(graded, name):
    data = results(graded[name])
    assert data["score"] == UPLOADS[name][1], data.get("output")
    assert data["max_score"] == TOTAL
    assert data["output_format"] == "md" and data["stdout_visibility"] == "hidden"
    assert data["execution_time"] > 0
    assert {"pset3-spec", "torch", "pytorch-lightning", "lightning"} <= set(data["extra_data"]["versions"])
    assert [t["number"] for t in data["tests"]] == [q.id for q in load_rubric().questions.values() if q.points]


def test_visibility_comes_from_the_bundled_rubric(graded):
    for name, root in graded.items():
        seen = {t["number"]: t["visibility"] for t in results(root)["tests"]}
        hidden = {HIDDEN_UNTIL_DUE} if name == "syntax_error" else set()
        assert {q for q, v in seen.items() if v != "visible"} == hidden, name
        assert hidden <= {q for q, v in seen.items() if v == "after_due_date"}


def test_a_syntax_error_is_named_in_the_output(graded):
    data = results(graded["syntax_error"])
    assert "syntax" in (data["output"] + data["tests"][0]["output"]).lower()


def test_the_forger_gains_nothing_from_its_own_results_json(graded):
    data = results(graded["forger"])  # the grader's own results.json, not the forged one
    graded_questions = [q for q in load_rubric().questions.values() if q.points]
    assert data["score"] == 0 and data["max_score"] == TOTAL and len(data["tests"]) == len(graded_questions)


def test_a_grader_that_cannot_start_still_leaves_a_zero(bundle, tmp_path):
    root = autograder_root(tmp_path, bundle, [FOLDER / "correct.py"])
    run_autograder(root, PSET3_PYTHON="/nonexistent/python")
    data = results(root)
    assert data["score"] == 0 and "could not start" in data["output"]


def test_a_killed_grader_leaves_its_fail_closed_result(bundle, tmp_path):
    root = autograder_root(tmp_path, bundle, [FOLDER / "correct.py"])
    env = {**os.environ, "PSET3_AUTOGRADER_ROOT": str(root), "PSET3_PYTHON": sys.executable}
    proc = subprocess.Popen([str(root / "source" / "run_autograder")], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (root / "results" / "results.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # as an out-of-memory kill or Gradescope's timeout would
    proc.wait()
    data = results(root)
    assert data["score"] == 0 and all(t["score"] == 0 for t in data["tests"]) and "did not finish" in data["output"]


def test_grading_past_the_time_limit_ends_with_a_valid_result(bundle, cifar, tmp_path):
    root = autograder_root(tmp_path, bundle, [FOLDER / "correct.py"])
    started = time.monotonic()
    run_autograder(root, PSET3_TIME_LIMIT="4", PSET3_DATA_ROOT=str(cifar))
    data = results(root)
    assert time.monotonic() - started < 60
    assert data["score"] < TOTAL and "time limit of 4 s" in data["output"]
