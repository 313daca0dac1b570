"""Questions 3.3 and 3.4: the training loop and the evaluation, run on the probe's small net and data
(4,000 mini-batches of one image, so the tutorial's every-2,000 log has entries)."""

import pytest

from autograde.checks import assert_close


@pytest.fixture(scope="module")
def trained(impl):
    return impl.train_loop("train", epochs=1)


@pytest.fixture(scope="module")
def reference_trained(ref):
    return ref.train_loop("train", epochs=1)


@pytest.mark.question("3.3")
def test_train_ends_with_the_reference_loops_weights(trained, reference_trained):
    assert list(trained["weights"]) == list(reference_trained["weights"])
    for key, expected in reference_trained["weights"].items():
        assert_close(trained["weights"][key], expected,
                     f"weight {key} after train(net, loader, epochs=1) on a fixed, unshuffled loader (zero the "
                     f"gradients before every step, and run every batch)", tol={"rtol": 1e-4, "atol": 1e-5})


@pytest.mark.question("3.3")
def test_train_logs_the_running_loss_as_python_floats(trained, reference_trained):
    types = trained["log_types"]
    assert types and all(t == "float" for t in types), (
        f"train's log holds {types}: append Python floats (running_loss += loss.item()), not tensors")
    assert len(trained["log"]) == len(reference_trained["log"]), (
        f"train logged {len(trained['log'])} entries over 4,000 mini-batches, expected "
        f"{len(reference_trained['log'])} (one every 2,000)")
    for got, expected in zip(trained["log"], reference_trained["log"], strict=True):
        assert got == pytest.approx(expected, rel=1e-4), f"log entry {got} differs from the reference's {expected}"


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
