"""The pytest options and the pset3 command, as a user runs them (in a subprocess)."""

import os
import subprocess
import sys
from pathlib import Path

from autograde.spec.rubric import load_rubric

REPO = Path(__file__).resolve().parent.parent


def pytest_run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_missing_impl_path_is_a_usage_error():
    run = pytest_run("spec_tests", "--impl", "no/such/submission.py")
    assert run.returncode == 4
    assert "--impl no/such/submission.py: no such file or folder" in run.stderr


def not_installed_env():
    """This environment as pytest sees it where the package is not installed: no pytest11 entry point
    registers the plugin (PYTEST_DISABLE_PLUGIN_AUTOLOAD), and nothing names it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_PLUGINS", "PYTEST_ADDOPTS")}
    return {**env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "OMP_NUM_THREADS": "1"}


def test_a_checkouts_plain_pytest_runs_the_plugin_through_its_conftest_without_the_package():
    one = ("spec_tests/test_part2_mlp.py", "-k", "counts_parameter_tensors")
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *one], cwd=REPO,
                         capture_output=True, text=True, timeout=300, env=not_installed_env())
    # pyproject's addopts deselect the `ray` marker, which only the plugin declares: without it the
    # run is a usage error before any test runs.
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout and "pset3 results for reference" in run.stdout
    # --impl PATH needs the plugin before pytest first reads the command line (or PATH reads as a
    # test path, and a conftest.py there would be loaded): refused, before any submission is read.
    refused = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--impl",
                              "tests/submissions/hostile_conftest", *one], cwd=REPO, capture_output=True, text=True,
                             timeout=300, env=not_installed_env())
    assert refused.returncode == 4 and "-p autograde.spec.plugin" in refused.stderr, refused.stdout + refused.stderr
    given = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "autograde.spec.plugin",
                            "--impl", "reference", *one], cwd=REPO, capture_output=True, text=True, timeout=300,
                           env=not_installed_env())
    assert given.returncode == 0 and "1 passed" in given.stdout, given.stdout + given.stderr


def test_pytest_impl_alone_works_from_a_folder_outside_the_checkout(tmp_path):
    """The installed package's entry point registers the plugin; where that install is editable (this
    checkout's tox env), the spec it collects lies in the checkout, and pytest reads the checkout's
    conftest.py during collection: it must do nothing there (a `pytest_plugins` there fails the run)."""
    run = pytest_run("--impl", "reference", "-k", "counts_parameter_tensors", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout and "pset3 results for reference" in run.stdout


QUESTION_LISTER = """
def pytest_collection_finish(session):
    for item in session.items:
        print("QUESTION", item.get_closest_marker("question").args[0])
"""


def test_part_markers_select_questions(tmp_path):
    (tmp_path / "question_lister.py").write_text(QUESTION_LISTER)
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "question_lister",
                          "spec_tests", "-m", "part2", "-q", "--collect-only"], cwd=REPO, capture_output=True,
                         text=True, timeout=300, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                             filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))})
    selected = {line.split()[1] for line in run.stdout.splitlines() if line.startswith("QUESTION ")}
    assert run.returncode == 0 and selected, run.stdout + run.stderr
    part2 = {q.id for q in load_rubric().questions.values() if q.part == 2}
    assert selected <= part2 and len(selected) > 1, selected  # every selected test is a Part 2 question's
    assert "deselected" in run.stdout


def test_spec_tests_must_carry_a_question(tmp_path):
    spec = tmp_path / "spec_tests"
    spec.mkdir()
    (spec / "test_x.py").write_text("def test_unmarked():\n    assert True\n")
    run = pytest_run(str(spec), cwd=tmp_path)
    assert run.returncode == 4
    assert "spec tests without @pytest.mark.question(id)" in run.stderr


def test_report_command_prints_the_table_and_writes_results(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "autograde", "report", "--results-json", str(out), "-m", "part2"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "pset3 results for reference" in run.stdout and "Total" in run.stdout
    assert out.exists()


def test_template_scores_exactly_zero_and_check_explains_why(tmp_path):
    made = subprocess.run([sys.executable, "-m", "autograde", "template", str(tmp_path / "sub")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    skeleton = tmp_path / "sub" / "submission.py"
    for name in ("make_cifar10_splits", "class VisionTransformer(nn.Module)", "class ViT(pl.LightningModule)",
                 "ANSWERS = {", "class MLPNet(nn.Module)", "def train(net, loader, epochs=2, lr=0.001, momentum=0.9)"):
        assert name in skeleton.read_text()
    again = subprocess.run([sys.executable, "-m", "autograde", "template", str(tmp_path / "sub")],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "exists" in again.stderr
    check = subprocess.run([sys.executable, "-m", "autograde", "check", str(skeleton), "-m", "part2"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"0 / {load_rubric().total(part=2):g}" in check.stdout and "must be a pair of booleans" in check.stdout
    assert "FAILED" in check.stdout and "passed in" not in check.stdout  # our report, not pytest's
    assert "**FAILED**" not in check.stdout and "```" not in check.stdout  # rendered, not Markdown source
