"""`pset3 map`: proposed pset3.toml lines for a folder of submissions, for the staff to review; never written
to pset3.toml, and never read by `pset3 grade`."""

import subprocess
import sys
import textwrap
import tomllib

from autograde.batch.grade import submissions
from autograde.commands import cli
from autograde.commands.propose import choose, render
from autograde.worker.loading import load

TUTORIAL_NET = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))))


def train_model(net, loader, epochs=2, lr=0.001, momentum=0.9):
    return []


print("a notebook's output, which pset3 map does not show")
'''

MLP = '''
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(1024, 100), nn.Linear(100, 10)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(1024, 100), nn.Linear(100, 10)
'''


def map_command(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograde", "map", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_map_proposes_lines_for_staff_review_and_writes_them_beside_never_into_pset3_toml(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text(TUTORIAL_NET)
    bob = subs / "bob"
    bob.mkdir()
    (bob / "part2.py").write_text(MLP)
    (bob / "pset3.toml").write_text('LeNetRBF = "Net#1"\n')  # mapped, and resolves: kept as it is
    run = map_command(str(subs), "--write", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "a notebook's output" not in run.stdout
    proposal = (subs / "alice.py.pset3.toml.proposed").read_text()
    assert proposal in run.stdout
    assert 'CifarNet = "Net"  # Net: a class taking no arguments, 62,006 parameters by its source' in proposal
    assert 'train = "train_model"  # train_model: a function taking (net, loader, epochs=2' in proposal
    assert "# missing, and no definition of it is likely: " in proposal and "MLPNet" in proposal.split("likely: ")[1]
    assert "alice.py is a single file" in proposal
    assert tomllib.loads(proposal) == {"CifarNet": "Net", "train": "train_model"}
    bobs = tomllib.loads((subs / "bob.pset3.toml.proposed").read_text())
    assert bobs == {"LeNetRBF": "Net#1", "MLPNet": "Net#2"}  # Net#1 is LeNetRBF's already
    assert (bob / "pset3.toml").read_text() == 'LeNetRBF = "Net#1"\n'
    # the proposals lie beside the submissions, and pset3 grade (and pset3 map) passes them by
    assert [p.name for p in submissions(subs)] == ["alice.py", "bob"]

    # what the staff then do: the line, in a pset3.toml beside the file, maps the name
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "alice.py").write_text(TUTORIAL_NET)
    (tmp_path / "alice" / "pset3.toml").write_text(proposal)
    submission = load(tmp_path / "alice")
    assert submission.resolve("CifarNet") is submission.files[0].namespace["Net"]

    # a submission with nothing left to propose loses its earlier proposal
    (subs / "alice.py").write_text(TUTORIAL_NET + "\nCifarNet = Net\ntrain = train_model\n" +
                                   "\n".join(f"{n} = None" for n in ("make_cifar10_splits", "image_grid",
                                             "img_to_patch", "AttentionBlock", "VisionTransformer", "ViT", "ANSWERS",
                                             "MLPNet", "LeNetRBF", "LeNetSequential", "make_loaders", "evaluate")))
    (bob / "part2.py").unlink()
    again = map_command(str(subs), "--write", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "every contract name is defined or mapped: nothing to propose" in again.stdout
    assert not (subs / "alice.py.pset3.toml.proposed").exists()
    assert "removed" in again.stdout and (subs / "bob.pset3.toml.proposed").exists()


def test_a_definition_that_fits_two_names_alike_is_proposed_for_both_for_the_staff_to_choose():
    candidate = {"line": "", "spec": "Net", "description": "a class taking no arguments", "score": 0.93}
    missing = {"MLPNet": {"why": "", "candidates": [{**candidate, "line": 'MLPNet = "Net"', "score": 0.95}]},
               "CifarNet": {"why": "", "candidates": [{**candidate, "line": 'CifarNet = "Net"'}]}}
    assert {n: pick["spec"] for n, (pick, _, _) in choose(missing).items()} == {"MLPNet": "Net", "CifarNet": "Net"}
    text = render("carol.ipynb", {"single_file": True, "errors": [], "notes": [], "kept": {}, "defined": ["Net"],
                                  "missing": missing})
    assert 'MLPNet = "Net"  # Net: a class taking no arguments; also proposed for CifarNet: keep one' in text
    assert render("dave.py", {"failed": "loading it took over 150 s"}).endswith(
        "# nothing proposed: loading it took over 150 s\n")


def test_map_is_a_staff_command_that_the_kit_refuses(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(cli, "IS_KIT", True)
    assert cli.main(["map", str(tmp_path)]) == 2
    assert "pset3 map: not in the student kit (it is the staff's review tool" in capsys.readouterr().err
    monkeypatch.setattr(cli, "IS_KIT", False)
    assert cli.main(["map", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder of submissions" in capsys.readouterr().err
    help_text = textwrap.dedent(cli.MAP_HELP)
    assert "NOT in the sandbox" in help_text
