"""The kill matrix: the reference earns every point, each mutant loses exactly its own question.

A device mutant (tier = "gpu") computes the reference's numbers on the CPU but cannot run on CUDA:
the CPU tier must pass it, another device (PyTorch's data-less "meta" device, here) must break it,
and on a CUDA machine (--tier gpu) the agreement spec must fail exactly its question.
"""

import importlib.util

import pytest
import torch

from autograde.commands.mutants import read_catalog
from autograde.spec.recording import NOT_IN_KIT
from autograde.spec.rubric import load_rubric
from reference.part1 import TINY_CONFIG

MUTANTS = read_catalog()
DEVICE_MUTANTS = [m for m in MUTANTS if m.tier == "gpu"]
# What each device mutant's question builds: (class, constructor arguments, one input's shape).
DEVICE_CASES = {
    "1.4": ("AttentionBlock", (16, 32, 2), (5, 2, 16)),
    "1.6": ("VisionTransformer", TINY_CONFIG, (2, 3, 32, 32)),
    "1.7": ("ViT", (TINY_CONFIG, 1e-3), (2, 3, 32, 32)),
    "2.3": ("MLPNet", (), (2, 32, 32)),
    "2.6": ("LeNetRBF", (), (2, 1, 32, 32)),
    "2.7": ("LeNetSequential", (), (2, 1, 32, 32)),
    "3.2": ("CifarNet", (), (2, 3, 32, 32)),
}


def test_every_mutant_names_a_graded_question():
    rubric = load_rubric()
    for m in MUTANTS:
        assert m.question in rubric.questions and rubric.questions[m.question].points > 0, m


def test_reference_earns_every_point(spec_runs):
    run = spec_runs["reference"]
    assert not run.error, run.error
    assert run.exit_code == 0
    assert run.results["score"] == run.results["max_score"] > 0
    assert {t["number"] for t in run.results["tests"]} == {q for q, question in load_rubric().questions.items()
                                                            if question.points > 0}
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in run.results["tests"])


def assert_fails_exactly_its_question(run, mutant, cuda: bool = False) -> None:
    assert not run.error, run.error
    expected = mutant.expected_failures(cuda)
    assert run.failed == expected, (
        f"{mutant.name} ({mutant.mistake}) should fail exactly {sorted(expected) or 'nothing (a device mistake)'}"
        f"{' on CUDA' if cuda else ''}; it failed {sorted(run.failed)}")


def unkilled(runs) -> set[str]:
    """The spec tests graded in these runs that none of them failed."""
    graded = {test for run in runs for test, outcome in run.tests.items() if outcome != "skipped"}
    killed = {test for run in runs for test, outcome in run.tests.items() if outcome == "failed"}
    assert graded, "no per-test outcomes were recorded"
    return graded - killed


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_fails_its_question_and_no_other(spec_runs, mutant):
    """A device mutant's ordinary run is the CPU tier, which must pass it: it fails nothing there."""
    assert_fails_exactly_its_question(spec_runs[mutant.name], mutant)


def test_every_graded_spec_test_fails_on_some_mutant(spec_runs):
    """A spec test no mutant fails cannot be shown to check anything."""
    assert unkilled([spec_runs[m.name] for m in MUTANTS]) == set(), "spec tests that no mutant fails (add a mutant)"


def build(module: object, question: str) -> tuple[torch.nn.Module, tuple[int, ...]]:
    name, args, shape = DEVICE_CASES[question]
    cls = getattr(module, name)
    return (cls(**args) if isinstance(args, dict) else cls(*args)), shape


@pytest.mark.parametrize("mutant", DEVICE_MUTANTS, ids=[m.name for m in DEVICE_MUTANTS])
def test_a_device_mutant_breaks_on_another_device_where_the_reference_runs(mutant):
    import reference

    spec = importlib.util.spec_from_file_location(f"mutant_{mutant.name}", mutant.path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model, shape = build(reference, mutant.question)
    assert model.to("meta").eval()(torch.randn(shape, device="meta")).device.type == "meta"
    model, shape = build(module, mutant.question)
    with pytest.raises((RuntimeError, NotImplementedError), match="device|meta"):
        model.to("meta").eval()(torch.randn(shape, device="meta"))


@pytest.mark.gpu
@pytest.mark.parametrize("mutant", DEVICE_MUTANTS, ids=[m.name for m in DEVICE_MUTANTS])
def test_a_device_mutant_fails_its_question_on_cuda(cuda_spec_runs, mutant):
    assert cuda_spec_runs["reference"].failed == set(), cuda_spec_runs["reference"].log[-3000:]
    assert_fails_exactly_its_question(cuda_spec_runs[mutant.name], mutant, cuda=True)


@pytest.mark.gpu
def test_every_agreement_test_fails_on_some_device_mutant(cuda_spec_runs):
    assert unkilled([cuda_spec_runs[m.name] for m in DEVICE_MUTANTS]) == set(), (
        "agreement tests that no device mutant fails (add a device mutant)")



# The student kit's checks: the spec with the reference's answers recorded under seed 0 (autograde.spec.recording).
# A mistake only the speed spec sees (tier "all") is not the kit's to catch: that spec times the live reference.
KIT_MUTANTS = [m for m in MUTANTS if m.run_tier == "cpu"]
SPEED_MUTANTS = [m for m in MUTANTS if m.run_tier != "cpu"]


@pytest.mark.parametrize("mutant", KIT_MUTANTS, ids=[m.name for m in KIT_MUTANTS])
def test_the_kit_catches_the_mutant_with_the_recorded_answers(replay_runs, mutant):
    assert_fails_exactly_its_question(replay_runs[mutant.name], mutant)


@pytest.mark.parametrize("mutant", SPEED_MUTANTS, ids=[m.name for m in SPEED_MUTANTS])
def test_a_mistake_only_the_speed_spec_sees_is_left_to_the_course(replay_runs, mutant):
    run = replay_runs[mutant.name]
    assert not run.error and run.failed == set(), run.failed
    speed = {test: outcome for test, outcome in run.tests.items() if "test_speed" in test}
    assert speed and set(speed.values()) == {"skipped"}, speed
    assert any(NOT_IN_KIT in why for why in run.results["extra_data"]["skipped"][mutant.question])


def test_every_check_the_kit_makes_fails_on_some_mutant(replay_runs, spec_runs):
    runs = [replay_runs[m.name] for m in KIT_MUTANTS]
    assert unkilled(runs) == set(), "checks of the kit that no mutant fails with the recorded answers"
    made = {test for run in runs for test, outcome in run.tests.items() if outcome != "skipped"}
    graded = {test for test, outcome in spec_runs["reference"].tests.items() if outcome != "skipped"}
    print(f"the kit makes {len(made & graded)} of the {len(graded)} graded checks of the CPU tier")
    assert made >= graded, f"graded checks the kit cannot make (record them, or rewrite them): {sorted(graded - made)}"
