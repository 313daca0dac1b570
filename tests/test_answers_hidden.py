"""The sandboxed worker cannot read the answers (docs/architecture.md, The trust boundary).

A hostile submission (tests/submissions/_hostile_reads_answers.py, with the sha256 of known lines of
the current reference, spec, rubric and of a classmate's submission written in) searches every path
it can read. Without the sandbox it finds the reference and profits from it, so the search works;
through `pset3 grade` and through Gradescope's run_autograder it finds nothing, earns what its own
answers earn, and its feedback holds no known line. Where no namespace can be had, `pset3 grade`
warns, the worker still runs (as `nobody`), and Gradescope's lockdown keeps the answers from
`nobody` by file permissions.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograde.batch.gradescope.lockdown import VENV, installed_sites, lock_down
from autograde.batch.specrun import pytest_command
from autograde.common import synthetic_cifar
from autograde.common.layout import PACKAGE_DIR, REFERENCE_DIR, SPEC_DIR
from autograde.spec.rubric import DEFAULT_RUBRIC, load_rubric
from autograde.worker import isolation
from tests.test_gradescope import autograder_root, bundle, results  # noqa: F401 - bundle is a fixture

TEMPLATE = Path(__file__).parent / "submissions" / "_hostile_reads_answers.py"
MIN_LENGTH = 30  # as the template's MIN_LENGTH
NOTE = 'NOTE = "a line only the classmate wrote: 7f3c9e walks the plank at dawn"'
# The classmate: the hostile's own (honest) ANSWERS and a line of its own. What it earns, the hostile
# must earn, no more.
CLASSMATE = re.search(r"^ANSWERS = \{.*?\}\n", TEMPLATE.read_text(), re.DOTALL | re.MULTILINE)[0] + NOTE + "\n"
PART2 = ("-m", "part2")  # the search runs while loading, whatever the part: one part's spec is enough
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
NO_SYS_ADMIN = ["setpriv", "--bounding-set=-sys_admin"]  # root without CAP_SYS_ADMIN, as in plain Docker
hidden_here = pytest.mark.skipif(not isolation.answers_hidden(),
                                 reason=f"answers are not hidden on this machine: {isolation.hiding_problem()}")
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (to act as nobody, or to drop a capability)")


def lines_of(paths: list[Path]) -> set[str]:
    return {s for p in paths for line in p.read_text().splitlines() if len(s := line.strip()) >= MIN_LENGTH}


def prose(line: str) -> bool:
    """A line of the project's own words (a docstring, a comment): code lines such as tutorial ones
    (`self.conv1 = nn.Conv2d(3, 6, 5)`) or imports also appear in torch's own files."""
    return len([word for word in line.split() if word.isalpha()]) >= 5


def known_lines() -> dict[str, set[str]]:
    """Whose -> the lines the search looks for: long ones of the current files (the reference's and
    the spec's in prose), less those the worker may see elsewhere (the autograde package, the hostile)."""
    package = [p for p in (PACKAGE_DIR / "autograde").rglob("*")
               if p.is_file() and p.suffix in (".py", ".toml", ".sh", "") and "__pycache__" not in p.parts
               and p != DEFAULT_RUBRIC]
    visible = lines_of([*package, TEMPLATE])
    known = {"reference": set(filter(prose, lines_of(sorted(REFERENCE_DIR.glob("*.py"))))),
             "spec": set(filter(prose, lines_of(sorted(SPEC_DIR.glob("*.py"))))),
             "rubric": lines_of([DEFAULT_RUBRIC]), "classmate": {NOTE}}
    return {whose: lines - visible for whose, lines in known.items()}


def write_hostile(folder: Path, name: str = "hostile.py") -> Path:
    """The template with KNOWN written in: never stale, and without a known line of its own."""
    text = TEMPLATE.read_text()
    assert "KNOWN: dict[str, str] = {}" in text and f"MIN_LENGTH = {MIN_LENGTH}" in text
    entries = "".join(f"    {hashlib.sha256(line.encode()).hexdigest()!r}: {whose!r},\n"
                      for whose, lines in sorted(known_lines().items()) for line in sorted(lines))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text.replace("KNOWN: dict[str, str] = {}", "KNOWN = {\n" + entries + "}"))
    return path


def leaked(text: str) -> list[str]:
    """Known lines of the reference and of the classmate that a grader's output holds."""
    known = known_lines()
    return [line for whose in ("reference", "classmate") for line in known[whose] if line in text]


def assert_found_nothing(data: dict, honest: float) -> None:
    """The search ran (it read many files) and found no known line; it earned what its own answers earn."""
    walked = re.search(r"walked (\d+) files in [\d.]+ s; (\d+) held a known line", data["output"])
    assert walked, data["output"][-3000:]
    assert int(walked[1]) > 1000 and walked[2] == "0", walked[0]
    assert "FOUND" not in json.dumps(data)
    assert data["score"] == honest, data["output"][-3000:]


# -- the plan of the worker's root ----------------------------------------------------------------
def test_the_root_binds_each_allowed_path_once_parents_first_and_keeps_system_symlinks(tmp_path):
    venv = tmp_path / "clone" / ".tox" / "tests"
    (venv / "lib").mkdir(parents=True)
    (venv / "lib64").symlink_to("lib")
    home = tmp_path / "pset3-sandbox-x"
    (home / "cwd").mkdir(parents=True)
    plan = isolation.root_plan([venv, venv / "lib", venv / "lib64", home], writable=[home / "cwd"])
    paths = [m.path for m in plan]
    assert paths == sorted(paths, key=lambda p: Path(p).parts)  # a parent before what it holds
    assert paths.count(str(venv)) == 1 and str(venv / "lib") not in paths  # inside the venv's bind already
    assert {m.path: m for m in plan}[str(home / "cwd")].writable and not {m.path: m for m in plan}[str(home)].writable
    if os.path.islink("/bin"):
        assert {m.path: m for m in plan}["/bin"] == isolation.Mount("/bin", "symlink", os.readlink("/bin"))
    assert paths.index("/tmp") < paths.index(str(venv))  # a clone under /tmp: the fresh /tmp comes first


def test_an_answer_is_covered_wherever_a_bind_shows_it(tmp_path):
    site = tmp_path / "site"
    (site / "reference").mkdir(parents=True)
    (tmp_path / "named").symlink_to(site)
    plan = isolation.root_plan([tmp_path / "named"], writable=[])
    covers = isolation.cover_targets([str(site / "reference")], plan)
    assert covers == sorted([(str(tmp_path / "named" / "reference"), True), (str(site / "reference"), True)])


def test_the_worker_is_told_what_to_hide(tmp_path):
    rubric = tmp_path / "course.toml"
    rubric.write_text(DEFAULT_RUBRIC.read_text())
    assert {REFERENCE_DIR, SPEC_DIR, DEFAULT_RUBRIC, rubric.resolve()} <= set(isolation.answer_paths(rubric))
    assert REFERENCE_DIR not in isolation.answer_paths(rubric, allow_reference=True)


# -- the search works: without the sandbox it finds the reference ---------------------------------
def test_without_the_sandbox_the_search_finds_the_reference_and_profits(tmp_path):
    hostile = write_hostile(tmp_path)
    out = tmp_path / "results.json"
    argv = pytest_command(hostile, "-q", "--no-sandbox", *PART2, "--seed", "1", "--results-json", str(out))
    run = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    data = json.loads(out.read_text()) if out.exists() else {}
    assert "FOUND reference line in " in data.get("output", ""), data.get("output") or run.stdout[-3000:]
    assert data["score"] == sum(q.points for q in load_rubric().questions.values() if q.part == 2)  # all of it


# -- with the sandbox it finds nothing --------------------------------------------------------------
@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`pset3 grade` on a batch of the hostile and a classmate whose line it looks for."""
    base = tmp_path_factory.mktemp("batch")
    write_hostile(base / "submissions")
    (base / "submissions" / "classmate.py").write_text(CLASSMATE)
    done = subprocess.run([sys.executable, "-m", "autograde", "grade", str(base / "submissions"), "--out",
                           str(base / "out"), *PART2], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return base / "out", done


def honest(out: Path) -> float:
    """What the classmate earned: the hostile's own answers' worth."""
    return json.loads((out / "classmate.py" / "results.json").read_text())["score"]


@hidden_here
def test_pset3_grade_keeps_every_answer_and_the_classmate_from_the_search(batch):
    out, done = batch
    assert "answers are readable" not in done.stderr
    assert honest(out) >= load_rubric().questions["2.1"].points  # the classmate's ANSWERS earned their points
    assert_found_nothing(json.loads((out / "hostile.py" / "results.json").read_text()), honest(out))
    for name in ("feedback.md", "results.json", "junit.xml"):
        assert leaked((out / "hostile.py" / name).read_text()) == [], name


@hidden_here
def test_run_autograder_keeps_the_staff_wheel_and_every_answer_from_the_search(bundle, batch, tmp_path):  # noqa: F811
    root = autograder_root(tmp_path, bundle, [write_hostile(tmp_path / "upload")])
    synthetic_cifar.write(root / "pset3-data" / "cifar10")  # as setup.sh writes it
    env = {**os.environ, "PSET3_AUTOGRADER_ROOT": str(root), "PSET3_PYTHON": sys.executable}
    done = subprocess.run([str(root / "source" / "run_autograder"), *PART2], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    data = results(root)
    assert_found_nothing(data, honest(batch[0]))
    assert leaked(json.dumps(data)) == []
    assert (root / "source").stat().st_mode & 0o077 == 0 and (root / "results").stat().st_mode & 0o077 == 0


# -- where no namespace can be had -----------------------------------------------------------------
@as_root
def test_without_cap_sys_admin_the_probe_says_why_and_pset3_grade_warns_once(tmp_path):
    (tmp_path / "none").mkdir()
    done = subprocess.run([*NO_SYS_ADMIN, sys.executable, "-m", "autograde", "grade", str(tmp_path / "none"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("answers are readable by submissions on this machine: unshare") == 1, done.stderr
    assert "Operation not permitted" in done.stderr and "CAP_SYS_ADMIN" in done.stderr


@pytest.fixture
def tree():
    """A Gradescope-like tree that `nobody` could reach (pytest's own folders are closed to others)."""
    root = Path(tempfile.mkdtemp(prefix="pset3-lockdown-"))
    root.chmod(0o755)
    site = root / VENV / "lib" / "site-packages"
    files = {"source/pset3_spec-0.1.0-py3-none-any.whl": "wheel", "source/rubric.toml": "rubric",
             "results/results.json": "{}", "pset3-data/cifar10/batch": "data", "submission/mine.py": "mine",
             **{str((site / p).relative_to(root)): p for p in ("reference/part2.py", "spec_tests/test_models.py",
                                                                "autograde/spec/rubric.toml", "autograde/__init__.py")}}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    try:
        yield root, site
    finally:
        shutil.rmtree(root)


def readable_by_nobody(path: Path) -> bool:
    return subprocess.run([*NOBODY, "cat", str(path)], capture_output=True).returncode == 0


@as_root
def test_the_lockdown_closes_the_answers_to_nobody_and_keeps_its_way_to_the_grader_and_data(tree):
    root, site = tree
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert readable_by_nobody(site / "reference" / "part2.py")  # before: as an install leaves it
    done = subprocess.run([sys.executable, "-m", "autograde.batch.gradescope.lockdown", "--root", str(root), "--site",
                           str(site)], capture_output=True, text=True, check=True)
    assert "closed to others" in done.stdout
    closed = ["source/rubric.toml", "source/pset3_spec-0.1.0-py3-none-any.whl", "results/results.json"]
    closed += [str((site / p).relative_to(root)) for p in ("reference/part2.py", "spec_tests/test_models.py",
                                                            "autograde/spec/rubric.toml")]
    assert [p for p in closed if readable_by_nobody(root / p)] == []
    assert [p for p in ("pset3-data/cifar10/batch", str((site / "autograde/__init__.py").relative_to(root)))
            if not readable_by_nobody(root / p)] == []


@as_root
def test_the_lockdown_leaves_another_pythons_install_alone(tree):
    root, _ = tree
    assert lock_down(root, installed_sites(root)) == [root / "source", root / "results"]
    assert REFERENCE_DIR.stat().st_mode & 0o005 == 0o005  # this checkout's reference: not under the tree


# -- inside the worker, as a dishonest student would look ------------------------------------------
LOOK = '''
import ctypes, os


def _listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        return type(exc).__name__


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as exc:
        return type(exc).__name__


def look(site, checkout):
    libc = ctypes.CDLL(None, use_errno=True)
    return {"/": _listing("/"), "/../..": _listing("/../.."), "checkout": _listing(checkout),
            "reference": _listing(site + "/reference"), "spec": _listing(site + "/spec_tests"),
            "rubric": _read(site + "/autograde/spec/rubric.toml"), "grader": _read(site + "/autograde/__init__.py"),
            "unmounted": libc.umount2((site + "/reference").encode(), 2) == 0 or libc.umount2(b"/tmp", 2) == 0,
            "processes": [p for p in os.listdir("/proc") if p.isdigit()], "uid": os.getuid(),
            "environ": _read("/proc/1/environ")}
'''


@hidden_here
def test_inside_the_worker_only_the_allowlist_exists_and_the_covers_hold(tmp_path):
    """An installed-like site exposed to the worker: its answers are empty and stay so; / holds only the
    allowlist; the checkout only `autograde` (and the tox env, where it lives there); no other process."""
    from autograde.spec.sandbox import SandboxImpl

    site = tmp_path / "site"
    for name, text in {"reference/part2.py": "ANSWER", "spec_tests/test_x.py": "SPEC",
                       "autograde/spec/rubric.toml": "R",
                       "autograde/__init__.py": "GRADER"}.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    (tmp_path / "look.py").write_text(LOOK)
    impl = SandboxImpl(tmp_path / "look.py", expose=[site])
    impl.hidden += [site / "reference", site / "spec_tests", site / "autograde" / "spec" / "rubric.toml"]
    try:
        seen = impl.call("look", str(site), str(PACKAGE_DIR))
    finally:
        impl.close()
    allowed = {Path(m.path).parts[1] for m in isolation.root_plan([*isolation.python_paths(), site], [])}
    assert set(seen["/"]) <= allowed and seen["/../.."] == seen["/"], seen["/"]
    assert set(seen["checkout"]) <= {"autograde", ".tox", ".venv"}, seen["checkout"]
    assert (seen["reference"], seen["spec"], seen["rubric"], seen["grader"]) == ([], [], "", "GRADER")
    assert not seen["unmounted"] and seen["processes"] == ["1"]
    assert "PSET3" not in seen["environ"] and str(tmp_path) not in seen["environ"]


# Run as root: a mount namespace in which `nobody` can reach this interpreter (pytest's and pyenv's
# folders are closed to others: each closed folder above a needed path is covered with an open tmpfs
# and the path bound back), then a grader as `setpriv ARGS...` makes it (argv[1], JSON), which
# looks at argv[3] from inside a worker for the submission argv[2].
ANOTHER_GRADER = '''
import json, os, sys
from pathlib import Path
from autograde.worker import isolation
from autograde.common.layout import PACKAGE_DIR

def closed_above(path):
    return next((f for f in reversed(path.parents) if f != Path("/") and not os.stat(f).st_mode & 0o001), None)

isolation.unshare(isolation.CLONE_NEWNS)
isolation.mount("none", "/", None, isolation.MS_REC | isolation.MS_PRIVATE)
groups = {}
for path in [*isolation.python_paths(), PACKAGE_DIR / "autograde"]:
    if (closed := closed_above(path)) is not None:
        groups.setdefault(closed, []).append(path)
for closed, inside in groups.items():
    handles = {p: os.open(p, os.O_PATH) for p in inside}
    isolation.mount("tmpfs", str(closed), "tmpfs", 0, "mode=0755")
    for path, fd in handles.items():
        os.makedirs(path, exist_ok=True)
        isolation.mount(f"/proc/self/fd/{fd}", str(path), None, isolation.MS_BIND)
GRADE = "import json, sys; from autograde.spec.sandbox import SandboxImpl; impl = SandboxImpl(sys.argv[1]); " \\
        "print(json.dumps(impl.call('look', sys.argv[2], sys.argv[2]))); impl.close()"
setpriv = json.loads(sys.argv[1])
os.execvp("setpriv", ["setpriv", *setpriv, sys.executable, "-c", GRADE, *sys.argv[2:]])
'''


def look_as(grader: list[str]) -> dict:
    """What a worker sees of this checkout, started by a grader that `setpriv *grader` makes."""
    folder = Path(tempfile.mkdtemp(prefix="pset3-look-"))  # one that `nobody` may enter
    try:
        folder.chmod(0o755)
        (folder / "look.py").write_text(LOOK)
        done = subprocess.run([sys.executable, "-c", ANOTHER_GRADER, json.dumps(grader), str(folder / "look.py"),
                               str(PACKAGE_DIR)], capture_output=True, text=True, timeout=300)
    finally:
        shutil.rmtree(folder)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@as_root
def test_without_namespaces_the_worker_still_runs_as_a_user_of_its_own_with_what_permissions_allow():
    """It degrades instead of crashing: resource limits and a user of its own; what others may read, it
    reads (this checkout's reference, here), which is why `pset3 grade` warns and Gradescope locks down."""
    seen = look_as(NO_SYS_ADMIN[1:])
    assert seen["uid"] in isolation.SANDBOX_UIDS and len(seen["processes"]) > 1  # in the host's PID namespace
    assert "part2.py" in seen["reference"] and "tests" in seen["checkout"]


@as_root
def test_a_grader_that_is_not_root_hides_the_answers_in_a_user_namespace_with_locked_mounts():
    if (problem := subprocess.run([*NOBODY, "unshare", "-Ur", "true"], capture_output=True)).returncode != 0:
        pytest.skip(f"no unprivileged user namespaces here: {problem.stderr.decode()}")
    seen = look_as(NOBODY[1:])
    assert seen["uid"] == 65534 and seen["processes"] == ["1"]  # shown as itself; alone in its PID namespace
    assert seen["reference"] == "FileNotFoundError" and set(seen["checkout"]) <= {"autograde", ".tox", ".venv"}
    assert seen["rubric"] == "" and seen["spec"] == "FileNotFoundError" and not seen["unmounted"]
