"""Questions 3.3 and 3.4: the training loop and the evaluation, run on the probe's small net and data
(4,000 mini-batches of one image, so the tutorial's every-2,000 log has entries), with its defaults
and with other values of every argument.

`evaluate` is not held to switching the net to eval mode: the tutorial's loop does not, and the
contract's nets (CifarNet, the probe's net) have no dropout or batch norm, so their mode changes nothing
that it returns. What it must do, compute without autograd, is checked."""

import pytest

from autograde.spec.checks import assert_close, choose


@pytest.fixture(scope="module")
def trained(impl):
    return impl.train_loop("train", epochs=1)


@pytest.fixture(scope="module")
def reference_trained(ref):
    return ref.train_loop("train", epochs=1)


def not_taken(observed) -> str:
    """What a loop with its own signature could not be given, for the message."""
    missing = observed["not_taken"]
    return (f" ({observed['call']}: it takes no {', '.join(f'`{m}`' for m in missing)}, so it was run with its own "
            f"defaults)") if missing else ""


@pytest.mark.question("3.3")
def test_train_ends_with_the_reference_loops_weights(trained, reference_trained):
    assert list(trained["weights"]) == list(reference_trained["weights"])
    for key, expected in reference_trained["weights"].items():
        assert_close(trained["weights"][key], expected,
                     f"weight {key} after train(net, loader, epochs=1) on a fixed, unshuffled loader (zero the "
                     f"gradients before every step, and run every batch){not_taken(trained)}",
                     tol={"rtol": 1e-4, "atol": 1e-5})


@pytest.mark.question("3.3")
def test_train_logs_the_running_loss_as_python_floats(trained, reference_trained):
    assert trained["log"] is not None, (
        f"train returned {trained['returned']}, expected the running-loss log: a list with the mean loss of every "
        f"2,000 mini-batches (the weights it trained are graded on their own)")
    types = trained["log_types"]
    assert types and all(t == "float" for t in types), (
        f"train's log holds {types}: append Python floats (running_loss += loss.item()), not tensors")
    assert len(trained["log"]) == len(reference_trained["log"]), (
        f"train logged {len(trained['log'])} entries over 4,000 mini-batches, expected "
        f"{len(reference_trained['log'])} (one every 2,000)")
    for got, expected in zip(trained["log"], reference_trained["log"], strict=True):
        assert got == pytest.approx(expected, rel=1e-4), f"log entry {got} differs from the reference's {expected}"


@pytest.mark.question("3.3")
def test_train_follows_its_epochs_lr_and_momentum(impl, ref):
    # Values other than the defaults, drawn from the grading seed: a loop that hard-codes the tutorial's
    # SGD(lr=0.001, momentum=0.9) or two epochs ends elsewhere. 300 mini-batches an epoch: no log entry.
    settings = {"epochs": choose((2, 3), seed=20), "lr": choose((0.004, 0.01, 0.02), seed=21),
                "momentum": choose((0.0, 0.5, 0.7), seed=22), "samples": 300}
    observed, expected = impl.train_loop("train", **settings), ref.train_loop("train", **settings)
    assert not observed["not_taken"], f"train does not follow every argument{not_taken(observed)}"
    for key, weight in expected["weights"].items():
        assert_close(observed["weights"].get(key), weight,
                     f"weight {key} after train(net, loader, epochs={settings['epochs']}, lr={settings['lr']}, "
                     f"momentum={settings['momentum']}) (use every argument: SGD(net.parameters(), lr=lr, "
                     f"momentum=momentum), for `epochs` epochs)", tol={"rtol": 1e-4, "atol": 1e-5})


@pytest.mark.question("3.4")
def test_evaluate_returns_the_reference_accuracy_as_a_python_float(impl, ref):
    observed, expected = impl.evaluate("evaluate"), ref.evaluate("evaluate")
    assert observed["type"] == "float", f"evaluate returned a {observed['type']}, expected a Python float"
    assert observed["value"] == pytest.approx(expected["value"]), (
        f"evaluate gave {observed['value']}, the reference {expected['value']} (a fraction in [0, 1])")


@pytest.mark.question("3.4")
def test_evaluate_runs_every_forward_without_autograd(impl):
    modes = impl.evaluate("evaluate")["grad_modes"]
    assert modes, "evaluate never called the network"
    assert not any(modes), (
        f"autograd was on in {sum(modes)} of {len(modes)} forward passes: wrap evaluation in torch.no_grad()")
