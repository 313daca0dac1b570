"""The loading policy (autograde.worker.execution): every top-level statement runs, in order; what fails or
runs too long is recorded and skipped, and loading goes on; `Name#k` behaves as in the student's run."""

import textwrap
import time

import pytest

from autograde.common.errors import MissingName
from autograde.worker.execution import Budget, explain_name_error
from autograde.worker.loading import load

QUICK = Budget(statement=0.5, load=30)


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def records(sub) -> list[str]:
    return [str(s) for s in sub.skipped]


def test_a_statement_over_its_budget_is_interrupted_and_loading_goes_on(tmp_path):
    path = write(tmp_path, "s.py", """\
        import time
        time.sleep(60)
        while True:
            pass
        MLPNet = 1
    """)
    started = time.monotonic()
    sub = load(path, QUICK)
    assert time.monotonic() - started < 30  # far less than the 60 s it asks for
    assert sub.resolve("MLPNet") == 1
    assert records(sub) == ["line 2 (time.sleep(60)) was interrupted: it ran over its 0.5 s budget",
                            "line 3 (while True:) was interrupted: it ran over its 0.5 s budget"]


def test_an_interrupt_the_code_swallows_comes_again(tmp_path):
    path = write(tmp_path, "s.py", """\
        import time
        try:
            time.sleep(60)
        except BaseException:
            time.sleep(60)
        MLPNet = 1
    """)
    started = time.monotonic()
    assert load(path, QUICK).resolve("MLPNet") == 1
    assert time.monotonic() - started < 30  # far less than the 60 s it asks for


def test_once_the_load_budget_is_spent_only_definitions_run(tmp_path):
    path = write(tmp_path, "s.py", """\
        import time
        time.sleep(60)
        time.sleep(60)
        LATE = 1
        import math
        def MLPNet():
            return math.pi
    """)
    sub = load(path, Budget(statement=0.4, load=0.6))
    assert sub.resolve("MLPNet")() == pytest.approx(3.14159, abs=1e-5)
    text = "\n".join(records(sub))
    assert "line 2 (time.sleep(60)) was interrupted: it ran over its 0.4 s budget" in text
    assert "line 4 (LATE = 1) was not run: the file's load budget (0.6 s) was spent; only definitions ran" in text


def test_imports_of_packages_the_grader_lacks_say_so(tmp_path):
    path = write(tmp_path, "s.py", "import seaborn as sns\nfrom matplotlib_inline import backend_inline\nX = 1\n")
    assert records(load(path)) == [
        "line 1 (import seaborn as sns) was skipped: seaborn is not installed in the grader",
        "line 2 (from matplotlib_inline import backend_inline) was skipped: matplotlib_inline is not installed "
        "in the grader"]


def test_a_network_failure_says_the_grader_has_no_network(tmp_path):
    path = write(tmp_path, "s.py", """\
        import urllib.error
        raise urllib.error.URLError(OSError(101, "Network is unreachable"))
    """)
    assert records(load(path))[0].endswith("(the grader has no network)")


def test_magics_shell_lines_and_main_blocks_never_run(tmp_path):
    path = write(tmp_path, "s.py", """\
        %matplotlib inline
        !pip install seaborn
        RAN = []
        if __name__ == "__main__":
            RAN.append("main")
        MLPNet = 1
    """)
    sub = load(path)
    assert sub.resolve("MLPNet") == 1 and sub.files[0].namespace["RAN"] == []
    assert records(sub) == [
        "line 1 (%matplotlib inline) was not run: an IPython magic or shell line: never run",
        "line 2 (!pip install seaborn) was not run: an IPython magic or shell line: never run",
        "line 4 (if __name__ == '__main__':) was not run: an `if __name__ == \"__main__\":` block: never run by "
        "the grader"]


def test_a_percent_cell_that_does_not_parse_costs_only_that_cell(tmp_path):
    path = write(tmp_path, "s.py", """\
        # %%
        MLPNet = 1
        # %%
        this does not parse (
        # %%
        LeNetRBF = 2
    """)
    sub = load(path)
    assert (sub.resolve("MLPNet"), sub.resolve("LeNetRBF")) == (1, 2)
    assert records(sub) == ["lines 3-4 (SyntaxError at line 4: '(' was never closed) was not run: does not parse: "
                            "skipped as a whole"]


def test_each_definition_sees_its_own_name_and_the_values_it_was_defined_with(tmp_path):
    write(tmp_path, "nb.py", """\
        HIDDEN = int("100")

        class Net:
            def __init__(self):
                super(Net, self).__init__()
                self.hidden = HIDDEN
                self.helper = helper()

        net = Net()

        def helper():  # defined after Net#1, before Net#2: Net#1 sees it
            return "first"

        HIDDEN = 7

        class Net:
            def __init__(self):
                super(Net, self).__init__()
                self.hidden = HIDDEN

        def count(n):
            return 0 if n == 0 else 1 + count(n - 1)

        first_count = count

        def count(n):
            return -1
    """)
    write(tmp_path, "pset3.toml", 'MLPNet = "Net#1"\nLeNetRBF = "Net#2"\nLeNetSequential = "count#1"\n')
    sub = load(tmp_path)
    first, second = sub.resolve("MLPNet")(), sub.resolve("LeNetRBF")()
    assert (first.hidden, first.helper, second.hidden) == (100, "first", 7)
    assert sub.resolve("LeNetSequential")(3) == 3  # recursion reaches count#1, not the later count


def test_a_name_error_names_the_statement_that_did_not_run(tmp_path):
    path = write(tmp_path, "s.py", """\
        import urllib.error
        train_loader = (_ for _ in ()).throw(urllib.error.URLError("no route"))
        batches = len(train_loader)

        class ViT:
            def __init__(self):
                self.steps = len(train_loader)
    """)
    sub = load(path)
    assert records(sub)[1] == ("line 3 (batches = len(train_loader)) failed: NameError: name 'train_loader' is not "
                               "defined (line 2 would have defined it, but that statement failed)")
    with pytest.raises(NameError) as info:
        sub.resolve("ViT")()
    assert explain_name_error(info.value) == (
        "`ViT.__init__` uses `train_loader`, which s.py line 2 would have defined, but that statement failed: "
        "URLError: <urlopen error no route> (the grader has no network)")


def test_a_contract_name_whose_statement_failed_says_why(tmp_path):
    path = write(tmp_path, "s.py", "import lightning_but_missing as L\n\nclass ViT(L.LightningModule):\n    pass\n")
    with pytest.raises(MissingName, match=r"does not define `ViT`: s.py line 3 would have defined it, but that "
                                          r"statement failed: NameError: name 'L' is not defined \(line 1 would "
                                          r"have defined it, but that statement was skipped\)"):
        load(path).resolve("ViT")
