"""The observation API: one method per probe, and each forwards what a test passes to the probe,
whose signature alone declares the parameters and defaults."""

import pytest

from autograde.spec.observe import Impl, InProcessImpl
from autograde.worker.loading import load_reference
from autograde.worker.probes import PROBES


def probe_methods() -> set[str]:
    return {name for name, attr in vars(Impl).items() if callable(attr) and not name.startswith("_")} - {"load_report"}


def test_the_api_has_exactly_one_method_per_probe():
    assert probe_methods() == set(PROBES)


class Recorder(Impl):
    """Records what would cross to the implementation instead of observing it."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def _observe(self, probe, name, args, kwargs):
        self.asked.append((probe, name, args, kwargs))
        return []


def test_a_request_carries_the_probes_defaults_and_every_argument_the_test_gave(tmp_path):
    impl = Recorder()
    impl.loaders("make_loaders", tmp_path, batch_size=8)
    impl.train_loop("train", epochs=2)
    (_, _, loader_args, _), (_, _, train_args, _) = impl.asked
    assert loader_args == (str(tmp_path), 8)  # a path crosses as its string
    assert train_args == (2, 0.001, 0.9, 4000, 1, 0)  # the probe's own defaults, filled in here


def test_a_wrong_argument_fails_in_the_test_naming_it():
    with pytest.raises(TypeError, match="epoch"):
        Recorder().train_loop("train", epoch=1)


def test_every_seed_is_derived_from_the_grading_seed_given_or_not(monkeypatch):
    import autograde.spec.seeding as seeding

    monkeypatch.setattr(seeding, "derive", lambda offset: 1000 + offset)
    impl = Recorder()
    impl.state("MLPNet")  # seed left to the probe's default, 0, and positional-or-keyword
    impl.splits("make_cifar10_splits", "root")  # seed is positional-or-keyword there, default 42
    impl.forward("MLPNet", "x")  # seed is keyword-only there
    (_, _, state_args, _), (_, _, split_args, _), (_, _, _, forward_kwargs) = impl.asked
    assert (state_args[1], split_args[1], forward_kwargs["seed"]) == (1000, 1042, 1000)


def test_in_process_observations_wrap_parameters_and_modules():
    ref = InProcessImpl(load_reference())
    assert [p.name for p in ref.parameters("MLPNet")][:2] == ["fc1.weight", "fc1.bias"]
    assert ref.modules("MLPNet")[0].path == ""
