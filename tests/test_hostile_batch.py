"""Attacks on the grader's wire and on its evidence, graded as course staff grade them: `pset3 grade`
as root, and Gradescope's run_autograder. Each fails closed and gains nothing, and an honest
classmate graded in the same batch keeps every point."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from autograde.spec.rubric import load_rubric
from tests.test_gradescope import bundle, results, run_autograder  # noqa: F401 - bundle is a fixture
from tests.test_wire import HONEST, RELAY

ANSWERS = ('ANSWERS = {"2.1a": (True, False), "2.1b": (True, False), "2.1c": (True, False), '
           '"2.1d": (True, True), "2.1e": (False, True), "2.4": 4, "2.5": (10, 100)}\n')
WATCH_OFF = ("import torch\nfrom autograde.worker import integrity\n"
             "type(integrity._WATCH).verify.__code__ = (lambda self, when: None).__code__\n"
             "torch.is_grad_enabled = lambda: False\n")
ATTACKS = {"relay.py": RELAY, "watch_off.py": WATCH_OFF}
# What the honest code earns on its own (MLPNet and ANSWERS: 2.1-2.5), as the classmate must.
EARNED = sum(q.points for qid, q in load_rubric().questions.items() if qid in {"2.1", "2.2", "2.3", "2.4", "2.5"})
REASONS = {"relay.py": "held the grader's pipe, so it could rewrite the answers",
           "watch_off.py": "autograde.worker.integrity.Watch.verify.__code__ (the tamper watch itself)"}
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the attacks are on a grader that runs as root")


@as_root
def test_pset3_grade_fails_each_attack_closed_and_keeps_the_classmates_grade(tmp_path):
    batch, out = tmp_path / "batch", tmp_path / "out"
    batch.mkdir()
    for name, attack in ATTACKS.items():
        (batch / name).write_text(attack + HONEST + ANSWERS)
    (batch / "classmate.py").write_text(HONEST + ANSWERS)
    run = subprocess.run([sys.executable, "-m", "autograde", "grade", str(batch), "--out", str(out), "-m",
                          "part2"], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    graded = {p.name: json.loads((out / p.name / "results.json").read_text()) for p in batch.iterdir()}
    assert graded["classmate.py"]["score"] == EARNED
    for name, reason in REASONS.items():
        assert graded[name]["score"] == 0, (name, graded[name]["score"])
        assert reason in (out / name / "feedback.md").read_text(), name


@as_root
def test_run_autograder_fails_a_relay_closed(bundle, tmp_path):  # noqa: F811
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    shutil.copytree(bundle, root / "source")
    (root / "submission" / "relay.py").write_text(RELAY + HONEST + ANSWERS)
    run_autograder(root)
    data = results(root)
    assert data["score"] == 0 and REASONS["relay.py"] in json.dumps(data), json.dumps(data)[-2000:]

