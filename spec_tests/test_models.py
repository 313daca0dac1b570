"""Questions 2.2-2.7 and 3.2: what every model of Parts 2 and 3 shows, one test per property over
one table of models (as torchvision's test/test_models.py does): its output shapes, its parameters,
and, with the reference's weights transplanted, the reference's outputs.

What only one model has (MLPNet's ANSWERS, the Gaussian connections' squares, LeNetSequential's
nn.Sequential, the loaders' batches) stays in that part's file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
import torch

from autograde.spec.checks import assert_close, assert_shape, rand

Shape = tuple[int, ...]


class Output(NamedTuple):
    """A forward pass whose output shape is checked."""

    kind: str  # "image" (one input, no batch dimension) or "batch"
    input: Shape
    output: Shape
    hint: str = ""  # the likely mistake, for the message


class Size(NamedTuple):
    """One test of the parameters (in registration order): it checks each fact it is given."""

    question: str
    tensors: int | None = None  # how many parameter tensors
    trainable: bool = False  # every tensor requires grad
    total: int | None = None  # how many parameters
    third: Shape | None = None  # the third tensor's shape: layers registered in the order data flows
    why: str = ""  # how the figures come about, for the messages
    output: Output | None = None  # a forward pass checked first, in the same test


class Agreement(NamedTuple):
    """With the reference's weights, the model computes what the reference computes: one test per
    seed and input."""

    question: str
    inputs: dict[str, Shape]  # kind -> input shape
    seeds: tuple[int, ...] = (0, 1, 2)
    reference: str = ""  # the reference model whose weights and outputs it must match (default: its own)
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None  # of the uniform [0, 1) input
    match_shape: bool = True  # False: the values only, where another question grades the shape


class Model(NamedTuple):
    """A contract model and what the spec checks of it, each check under its question."""

    name: str
    shape_question: str = ""
    outputs: tuple[Output, ...] = ()
    sizes: tuple[Size, ...] = ()
    agreement: Agreement | None = None
    init: Any = ()


def centred(x: torch.Tensor) -> torch.Tensor:
    """[0, 1) -> [-1, 1): the range of the tutorial's normalised images."""
    return x * 2 - 1


LENET_INPUTS = {"image": (32, 32), "batch": (4, 1, 32, 32)}
MODELS = [
    # Its batches (of 1, 2 and an odd size) are 2.2's too: test_model_properties.py's any_batch_size.
    Model("MLPNet", shape_question="2.2", outputs=(Output("image", (32, 32), (10,)),),
          sizes=(Size("2.4", tensors=4, trainable=True, why="two weights, two biases"),
                 Size("2.5", total=103_510, third=(10, 100), why="1024*100 + 100 + 100*10 + 10")),
          agreement=Agreement("2.3", {"image": (32, 32)}, match_shape=False)),  # its shape is 2.2's
    Model("LeNetRBF", shape_question="2.6",
          outputs=(Output("image", (32, 32), (10,)), Output("batch", (3, 1, 32, 32), (3, 10))),
          sizes=(Size("2.6", tensors=9, total=61_696, why="4 layers x 2 + the [10, 84] centres"),),
          agreement=Agreement("2.6", LENET_INPUTS)),
    # Compared with the reference LeNetRBF, never with the submission's own: one mistake, one question.
    Model("LeNetSequential", agreement=Agreement("2.7", LENET_INPUTS, reference="LeNetRBF")),
    # Its shape and size have always been one test of 3.2: two would change 3.2's partial grades.
    Model("CifarNet",
          sizes=(Size("3.2", total=62_006, output=Output("batch", (4, 3, 32, 32), (4, 10))),),
          agreement=Agreement("3.2", {"batch": (4, 3, 32, 32)}, seeds=(0, 1), transform=centred)),
]


def cases(property_of: Callable[[Model], list[tuple[str, str, Any]]]) -> list[Any]:
    """pytest.params over every model: `property_of(model)` gives (question, id, case) triples."""
    return [pytest.param(model, case, marks=pytest.mark.question(question), id=f"{model.name}-{id_}")
            for model in MODELS for question, id_, case in property_of(model)]


def check_output(impl: Any, model: Model, output: Output) -> None:
    x = rand(*output.input)
    what = f"{model.name}()(x) for {'a batch ' if output.kind == 'batch' else ''}x of shape {list(output.input)}"
    assert_shape(impl.forward(model.name, x, init=model.init), output.output,
                 what + (f" ({output.hint})" if output.hint else ""))


def output_cases(model: Model) -> list[tuple[str, str, Output]]:
    return [(model.shape_question, output.kind, output) for output in model.outputs]


def size_cases(model: Model) -> list[tuple[str, str, Size]]:
    return [(size.question, size.question, size) for size in model.sizes]


def agreement_cases(model: Model) -> list[tuple[str, str, tuple[int, str]]]:
    """(question, id, (seed, input kind)) for each seed and input of the model's agreement."""
    a = model.agreement
    return [(a.question, f"{kind}-{seed}", (seed, kind)) for kind in sorted(a.inputs) for seed in a.seeds] if a else []


@pytest.mark.parametrize(("model", "output"), cases(output_cases))
def test_output_has_its_shape(impl, model, output):
    check_output(impl, model, output)


@pytest.mark.parametrize(("model", "size"), cases(size_cases))
def test_parameters_are_as_counted(impl, model, size):
    if size.output:
        check_output(impl, model, size.output)
    params = impl.parameters(model.name, init=model.init)
    listing = [(p.name, list(p.shape)) for p in params]
    why = f" ({size.why})" if size.why else ""
    if size.tensors is not None:
        assert len(params) == size.tensors, (
            f"{model.name} has {len(params)} parameter tensors, expected {size.tensors}{why}: {listing}")
    if size.trainable:
        assert all(p.requires_grad for p in params), f"every {model.name} parameter must require grad: {params}"
    if size.total is not None:
        total = sum(math.prod(p.shape) for p in params)
        assert total == size.total, f"{model.name} has {total:,} parameters, expected {size.total:,}{why}: {listing}"
    if size.third is not None:
        assert len(params) >= 3, f"{model.name} has only {len(params)} parameter tensors"
        assert params[2].shape == size.third, (
            f"{model.name}'s third parameter tensor is {params[2].name} of shape {list(params[2].shape)}, expected "
            f"{list(size.third)} (register the layers in the order the data flows through them)")


@pytest.mark.parametrize(("model", "case"), cases(agreement_cases))
def test_computes_the_reference_with_its_weights(impl, ref, model, case):
    seed, kind = case
    a = model.agreement
    reference = a.reference or model.name
    weights = ref.state(reference, init=model.init, seed=seed)
    x = rand(*a.inputs[kind], seed=seed)
    x = a.transform(x) if a.transform else x
    whose = "the reference's" if reference == model.name else f"the reference {reference}'s"
    assert_close(impl.forward(model.name, x, init=model.init, weights=weights),
                 ref.forward(reference, x, init=model.init, weights=weights),
                 f"{model.name} with {whose} weights, on x of shape {list(x.shape)}", match_shape=a.match_shape)
