"""The class report after `pset3 grade` (autograde/batch/classreport/): clusters.json on a batch built
here, the normalisation that makes one mistake under many seeds one cluster, `pset3 summarize`, and
report.html in a real browser (headless Chromium, no network), whose screenshot is kept as an artefact."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from autograde.batch.classreport.clusters import normalise, problems
from autograde.batch.classreport.page import OUTPUTS
from autograde.common.layout import CHECKOUT, PACKAGE_DIR
from tests.test_wire import HONEST

EXAMPLES = PACKAGE_DIR / "examples" / "submissions"
MUTANTS = PACKAGE_DIR / "mutants"
# Two mistakes of different questions, three copies of each: every copy is graded under its own seed.
MISTAKES = {"mlp_without_relu": "2.3", "rbf_without_square": "2.6"}
NEEDS_SEABORN = "import seaborn as sns\n" + HONEST  # a package the grader lacks, and an honest MLPNet
ARTEFACTS = (CHECKOUT or PACKAGE_DIR) / "artifacts"


def copies(mistake: str) -> list[str]:
    return [f"{mistake}_{who}.py" for who in ("ann", "bo", "cy")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`pset3 grade` on the batch (Part 2 only, which every mistake here is in), random seeds."""
    base = tmp_path_factory.mktemp("class")
    batch = base / "batch"
    batch.mkdir()
    shutil.copyfile(EXAMPLES / "correct.py", batch / "correct.py")
    for mistake in MISTAKES:
        for name in copies(mistake):
            shutil.copyfile(MUTANTS / f"{mistake}.py", batch / name)
    shutil.copyfile(PACKAGE_DIR / "tests" / "submissions" / "syntax_error.py", batch / "does_not_parse.py")
    (batch / "needs_seaborn.py").write_text(NEEDS_SEABORN)
    run = subprocess.run([sys.executable, "-m", "autograde", "grade", str(batch), "--out", str(base / "out"),
                          "-m", "part2", "--allow-reference-imports"], capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return base / "out", run


def clusters(out: Path) -> list[dict]:
    return json.loads((out / "clusters.json").read_text())


def test_each_mistake_is_one_cluster_of_its_three_copies_under_three_seeds(graded):
    out, _ = graded
    seeds = {json.loads((out / name / "results.json").read_text())["extra_data"]["seed"]
             for mistake in MISTAKES for name in copies(mistake)}
    assert len(seeds) == 6  # each copy under its own seed, so their messages' numbers differ
    found = clusters(out)
    for mistake, question in MISTAKES.items():
        holding = [c for c in found if set(copies(mistake)) & set(c["submissions"])]
        assert len(holding) == 1, (mistake, holding)
        cluster = holding[0]
        assert cluster["question"] == question and cluster["submissions"] == sorted(copies(mistake)), cluster
        assert cluster["count"] == 3 and cluster["test"] in cluster["tests"]
    assert not [c for c in found if "correct.py" in c["submissions"]]


def test_the_load_problems_are_each_one_batch_level_entry(graded):
    out, _ = graded
    batch_level = [c for c in clusters(out) if c["question"] is None]
    for name, kind in (("does_not_parse.py", "did not load"), ("needs_seaborn.py", "package not installed")):
        entries = [c for c in batch_level if name in c["submissions"]]
        assert len(entries) == 1 and entries[0]["test"] == kind and entries[0]["count"] == 1, (name, batch_level)
    assert "seaborn is not installed in the grader" in next(c["message"] for c in batch_level
                                                            if c["test"] == "package not installed")


def test_grade_writes_the_report_and_prints_the_largest_clusters(graded):
    out, run = graded
    assert all((out / name).is_file() for name in OUTPUTS)
    assert "the largest clusters" in run.stdout and "3 submissions, 2." in run.stdout, run.stdout[-3000:]
    summary = (out / "summary.md").read_text()
    assert "## Problems across the batch" in summary and "rbf_without_square_ann.py" in summary


def test_summarize_rebuilds_the_same_clusters_from_the_files(graded, tmp_path):
    out, _ = graded
    again = subprocess.run([sys.executable, "-m", "autograde", "summarize", str(out), "--out", str(tmp_path)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert clusters(tmp_path) == clusters(out)


@pytest.mark.parametrize(("one", "other"), [
    ("MLPNet.forward on input of shape [2, 32, 32] raised RuntimeError: mat1 and mat2 shapes cannot be multiplied "
     "(1x2048 and 1024x100)",
     "MLPNet.forward on input of shape [5, 32, 32] raised RuntimeError: mat1 and mat2 shapes cannot be multiplied "
     "(1x5120 and 1024x100)"),
    ("outputs differ: max |diff| 0.0312 at index (3, 7); tensor([0.1000, -2.5000e-01])",
     "outputs differ: max |diff| 1.5e-02 at index (0, 1); tensor([[0.3, 0.4],\n        [0.5, 0.6]])"),
    ("`fc2.bias` received no gradient: the forward never uses it",
     "`out.bias` received no gradient: the forward never uses it"),
    ("the submission does not define `MLPNet`; it defines: Net, net, train_model. Define `MLPNet` as the contract",
     "the submission does not define `MLPNet`; it defines: Model, a, b, c, d. Define `MLPNet` as the co"),
    ("/tmp/pset3-sandbox-abc/submission/hw3.py line 12 failed",
     "/tmp/pset3-sandbox-x9/submission/lab.py line 40 failed"),
    ("NameError: name 'trainloader' is not defined", "NameError: name 'train_dl' is not defined"),
])
def test_messages_that_differ_only_in_what_varies_normalise_alike(one, other):
    assert normalise(one) == normalise(other), (normalise(one), normalise(other))


@pytest.mark.parametrize(("one", "other"), [
    ("the submission does not define `MLPNet`", "the submission does not define `LeNetRBF`"),  # contract names stay
    ("ModuleNotFoundError: No module named 'seaborn'", "ModuleNotFoundError: No module named 'tqdm'"),
    ("2.1a: expected (True, False)", "2.1a: the answer must be a pair of booleans"),
])
def test_different_mistakes_stay_apart(one, other):
    assert normalise(one) != normalise(other)


def test_a_load_report_names_its_problems_but_not_what_the_submission_printed():
    output = ("```\nhw.py: 9 top-level statements ran in 1.0 s; 2 did not (each was skipped, and loading went on):\n"
              "  line 3 (import seaborn as sns) was skipped: seaborn is not installed in the grader\n"
              "  line 9 (fit(model)) was interrupted: it ran over its 20 s budget\n"
              "What the submission printed (the first 4,000 characters):\n"
              "  line 1 (forged) failed: looks like a problem\n```")
    assert problems(output) == [("package not installed", "was skipped: seaborn is not installed in the grader"),
                                ("statement over its time budget", "was interrupted: it ran over its 20 s budget")]


# -- the page in a real browser -------------------------------------------------------------------

def _browser():
    """Headless Chromium through Selenium, offline: every host resolves to nothing, every request to a proxy
    that is not there. Skips where there is no Chromium."""
    chromium, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip("no headless Chromium here (apt-get install chromium chromium-driver; .ci/run installs them)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,2400",
                 "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))


def test_the_report_renders_offline_in_a_real_browser_with_its_charts(graded):
    out, _ = graded
    html = (out / "report.html").read_text()
    assert not re.search(r"<script|<link|@import|url\((?!#)|(?:src|href)=\"(?!#|[\w%.-]+/feedback\.md\")", html)
    browser = _browser()
    try:
        browser.get((out / "report.html").as_uri())
        assert browser.title.startswith("Class report: 9 submissions")
        charts = browser.find_elements("css selector", "figure[role=img] svg")
        assert len(charts) == 2 and all(c.size["width"] > 300 and c.size["height"] > 150 for c in charts)
        assert len(browser.find_elements("css selector", "table caption")) >= 4  # each chart's numbers, and more
        links = [a.get_attribute("href") for a in browser.find_elements("css selector", "a[href$='feedback.md']")]
        assert links and all(Path(unquote(link.removeprefix("file://"))).is_file() for link in links)
        errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1280, min(height + 100, 16000))  # the whole page in the screenshot
        ARTEFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTEFACTS / "class-report.png"))
        browser.save_screenshot(str(out / "report.png"))
    finally:
        browser.quit()
    assert (ARTEFACTS / "class-report.png").stat().st_size > 10_000


def test_what_a_submission_names_itself_or_prints_is_text_on_the_page(tmp_path):
    """A hostile file name and a hostile message are escaped: the page stays a page with no script."""
    from autograde.batch.classreport.page import ClassReport, Entry
    from autograde.spec.results import QuestionOutcome, Results

    evil = '<script>alert(1)</script>'
    failed = QuestionOutcome("2.2", "MLPNet", 0.0, 3.0, False, output=f"**FAILED** `t`\n\n```\n{evil}\n```")
    entries = [Entry(f"{evil}{i}.py", Results((failed,), f"```\nThe submission did not load: {evil}\n```"),
                     "x/feedback.md") for i in range(2)]
    ClassReport.of(entries).write(tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_each_chart_has_a_table_of_the_same_numbers(tmp_path):
    from autograde.batch.classreport.page import ClassReport, Entry
    from autograde.spec.results import QuestionOutcome, Results

    scores = [0.0, 1.5, 3.0, 3.0]
    entries = [Entry(f"s{i}.py", Results((QuestionOutcome("2.2", "MLPNet", s, 3.0, s == 3.0),)))
               for i, s in enumerate(scores)]
    report = ClassReport.of(entries)
    report.write(tmp_path)
    html = (tmp_path / "report.html").read_text()
    bins = re.findall(r'<tr><th scope="row">([\d.]+) to (?:under )?([\d.]+)</th><td class="n">(\d+)</td></tr>', html)
    assert sum(int(n) for *_, n in bins) == len(scores) and float(bins[-1][1]) >= 3.0
    assert (report.questions[0].full, report.questions[0].partial, report.questions[0].zero) == (2, 1, 1)
    assert re.search(r">2\.2</a></th><td>MLPNet</td><td class=\"n\">1\.88 / 3</td><td class=\"n\">2</td>"
                     r"<td class=\"n\">1</td><td class=\"n\">1</td>", html)


def test_summarize_reads_results_json_files_another_autograder_wrote(tmp_path):
    """A Gradescope export of any assignment: tests without a number or a status, files named per student."""
    export = tmp_path / "export"
    for who, score in (("submission_101", 1), ("submission_102", 2)):
        (export / who).mkdir(parents=True)
        (export / who / "results.json").write_text(json.dumps(
            {"score": score, "tests": [{"name": "Q1 works", "score": score, "max_score": 2}]}))
    (export / "loose.json").write_text(json.dumps({"score": 0, "tests": [{"name": "Q1 works", "score": 0,
                                                                         "max_score": 2}]}))
    (export / "metadata.json").write_text(json.dumps({"not": "results"}))
    run = subprocess.run([sys.executable, "-m", "autograde", "summarize", str(export), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    html = (tmp_path / "report.html").read_text()
    assert "Class report: 3 submissions" in html and "submission_102" in html and "loose" in html
    assert json.loads((tmp_path / "clusters.json").read_text()) == []  # no failure messages to cluster
