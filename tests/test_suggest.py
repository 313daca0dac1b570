"""Suggestions for a missing contract name (autograde/worker/suggest.py): small in-memory namespaces, the pset3.toml
lines they propose, and parameter counts, built (as in the sandboxed worker) or read from the source."""

import ast
import random
import textwrap
import time

import pytest
import torch
from torch import nn

from autograde.common.contract import BY_NAME
from autograde.worker import suggest
from autograde.worker.loading import load_path


class CNN(nn.Module):
    """The tutorial's CIFAR-10 net: 62,006 parameters."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)


class MLP(nn.Module):
    """Part 2's MLP: 103,510 parameters."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(1024, 100), nn.Linear(100, 10)


class Block(nn.Module):
    def __init__(self, channels_in, channels_out):
        super().__init__()


class NotAModel:
    pass


class LightningModule(nn.Module):  # Lightning's base, told by its MRO's class names: Lightning is not imported
    pass


class LitClassifier(LightningModule):
    def __init__(self, model_kwargs, lr):
        super().__init__()


class PlainClassifier(nn.Module):
    def __init__(self, model_kwargs, lr):
        super().__init__()


def train_model(net, loader, epochs=2, lr=0.001, momentum=0.9):
    return []


def test_net(net, loader):
    return 0.0


test_net.__test__ = False  # a function of the namespace, not a test


def train_network(model, trainloader, optimizer, criterion, scheduler, epochs):
    return []


def items(*entries, file="work.py"):
    """(file, name, object, k) for each (name, object), counting each name's definitions from 1."""
    seen = {}
    out = []
    for name, obj in entries:
        seen[name] = seen.get(name, 0) + 1
        out.append((file, name, obj, seen[name]))
    return out


def specs(found):
    return [s.spec for s in found]


def test_the_tutorials_net_is_suggested_for_cifarnet_with_its_pset3_line():
    found = suggest.suggest("CifarNet", items(("Net", CNN), ("Block", Block), ("NotAModel", NotAModel),
                                              ("Linear", nn.Linear), ("train_model", train_model), ("net", CNN())))
    assert specs(found) == ["Net"]  # an imported layer, a class of another kind, a function, an instance: never
    assert found[0].line == 'CifarNet = "Net"' and found[0].kind == "class"
    assert found[0].description == "a class taking no arguments" and found[0].parameters is None


def test_functions_rank_by_signature_and_name():
    namespace = items(("train_network", train_network), ("test_net", test_net), ("train_model", train_model),
                      ("Net", CNN))
    assert specs(suggest.suggest("train", namespace))[0] == "train_model"
    assert specs(suggest.suggest("evaluate", namespace)) == ["test_net"]  # (net, loader), and "test"
    alone = items(("train_network", train_network))  # its name says train, its signature does not: named, shown
    assert suggest.missing_message_suffix("train", alone).startswith(
        "Likely yours: train_network (a function taking (model, trainloader, optimizer, criterion, scheduler, epochs))")
    assert suggest.suggest("image_grid", namespace) == []


def test_a_lightning_module_ranks_first_for_vit():
    found = suggest.suggest("ViT", items(("Plain", PlainClassifier), ("LitModel", LitClassifier)))
    assert specs(found)[0] == "LitModel" and found[0].description == "a LightningModule taking (model_kwargs, lr)"


def test_names_the_contract_has_and_taken_objects_are_not_candidates():
    namespace = items(("MLPNet", MLP), ("Net", CNN), ("Net2", MLP))
    assert specs(suggest.suggest("CifarNet", namespace)) == ["Net", "Net2"]
    assert specs(suggest.suggest("CifarNet", namespace, taken=[CNN])) == ["Net2"]


def test_the_spec_numbers_redefinitions_and_names_the_file_in_a_folder():
    notebook = items(("Net", MLP), ("Net", CNN))
    assert specs(suggest.suggest("CifarNet", notebook)) == ["Net#1", "Net#2"]  # a tie without counting
    folder = [("a b.ipynb", "Net", MLP, 1), ("a b.ipynb", "Net", CNN, 2), ('odd"name.py', "Model", CNN, 1)]
    found = suggest.suggest("CifarNet", folder)
    assert specs(found) == ["a b.ipynb:Net#1", "a b.ipynb:Net#2", 'odd"name.py:Model']
    assert found[2].line == 'CifarNet = "odd\\"name.py:Model"'


def test_instantiation_counts_parameters_and_tells_the_nets_apart():
    notebook = items(("Net", MLP), ("Net", CNN))
    cifar = suggest.suggest("CifarNet", notebook, instantiate=True)
    assert [(s.spec, s.parameters) for s in cifar] == [("Net#2", 62_006)]  # a model of another size is not it
    assert suggest.suggest("MLPNet", notebook, instantiate=True)[0].spec == "Net#1"
    assert suggest.missing_message_suffix("CifarNet", items(("Net", CNN)), instantiate=True) == (
        'Likely yours: Net (a class taking no arguments, 62,006 parameters): map it with a pset3.toml line '
        'CifarNet = "Net"')


def test_instantiation_leaves_the_random_state_as_it_was():
    class Counted(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1024, 100)
            random.random()
            torch.set_grad_enabled(False)

    torch.manual_seed(3)
    random.seed(3)
    expected_torch, expected_random = torch.rand(2), random.random()
    torch.manual_seed(3)
    random.seed(3)
    assert suggest.parameter_count(Counted) == 102_500
    assert torch.equal(torch.rand(2), expected_torch) and random.random() == expected_random
    assert torch.is_grad_enabled()


def test_without_instantiation_no_constructor_runs():
    built = []

    class Watched(nn.Module):
        def __init__(self):
            super().__init__()
            built.append(1)

    assert specs(suggest.suggest("CifarNet", items(("Net", Watched)))) == ["Net"]
    assert built == []


def test_a_constructor_that_hangs_or_raises_gets_no_count():
    class Sleeps(nn.Module):
        def __init__(self):
            super().__init__()
            time.sleep(30)

    class Raises(nn.Module):
        def __init__(self):
            raise RuntimeError("no data here")

    started = time.monotonic()
    assert suggest.parameter_count(Sleeps, seconds=0.2) is None
    assert time.monotonic() - started < 5
    assert suggest.parameter_count(Raises) is None
    found = suggest.suggest("CifarNet", items(("Net", Raises), ("Other", Block)), instantiate=True)
    assert [(s.spec, s.parameters) for s in found] == [("Net", None)]  # Block takes arguments: never built


def test_the_suffix_names_a_tie_and_says_where_a_single_file_keeps_its_mapping():
    tie = suggest.missing_message_suffix("CifarNet", items(("Net", MLP), ("Net", CNN)))
    assert tie == ('Likely yours: Net#1 (a class taking no arguments) or Net#2 (a class taking no arguments): map '
                   'the one you mean with a pset3.toml line, CifarNet = "Net#1" or CifarNet = "Net#2"')
    single = suggest.missing_message_suffix("train", items(("train_model", train_model)), folder=False)
    assert single.endswith('train = "train_model", in a pset3.toml beside your file (submit the two as one folder)')
    assert suggest.missing_message_suffix("evaluate", items(("Net", CNN))) == ""


def test_answers_are_suggested_only_from_a_dict():
    namespace = items(("answers", {"2.4": 3}), ("criterion", nn.CrossEntropyLoss()), ("answer_list", [1, 2]))
    found = suggest.suggest("ANSWERS", namespace)
    assert [(s.spec, s.description) for s in found] == [("answers", "a dict of 1 entry")]


SOURCE = '''
import torch
from torch import nn

HIDDEN = 100


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(32 * 32, HIDDEN)
        self.fc2 = nn.Linear(HIDDEN, 10)


class RBF(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.centres = nn.Parameter(torch.randn(n_out, n_in))


class LeNet(nn.Module):
    def __init__(self, classes=10):
        super(LeNet, self).__init__()
        width = 84
        self.body = nn.Sequential(nn.Conv2d(1, 6, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                                  nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, width),
                                  RBF(width, classes))


class Looped(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList()
        for _ in range(3):
            self.layers.append(nn.Linear(10, 10))


class Unknown(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = nn.MultiheadAttention(16, 2)


class Helper(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = self.make_layers()
'''


def classes_of(source):
    tree = ast.parse(textwrap.dedent(source))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            found.setdefault(node.name, []).append(node)
    return found


@pytest.mark.parametrize(("name", "count"), [("MLP", 103_510), ("LeNet", 61_696), ("Looped", None),
                                             ("Unknown", None), ("Helper", None), ("RBF", None)])
def test_parameters_are_read_from_the_source_where_it_tells_them_exactly(name, count):
    classes = classes_of(SOURCE)
    assert suggest.source_parameter_count(classes[name][0], {"HIDDEN": 100}, classes) == count


def test_a_loaded_submissions_counts_from_its_source_tell_a_notebooks_nets_apart(tmp_path):
    """The call the docstring shows, on a file loaded as grading loads it: the counts are read, not built."""
    from autograde.worker import sources

    path = tmp_path / "work.py"
    path.write_text(SOURCE.replace("class LeNet(", "class Net(").replace("super(LeNet,", "super(Net,")
                    .replace("class MLP(", "class Net(") + "\nnet = Net()\n")
    submission = load_path(path)
    namespace = suggest.definitions(submission.files)
    assert [(t, k) for _, t, _, k in namespace if t in ("Net", "RBF")] == [("Net", 1), ("Net", 2), ("RBF", 1)]
    constants = {f.name: {k: v for k, v in f.namespace.items() if type(v) is int} for f in submission.files}
    counts = suggest.source_counts(namespace, sources.read(path).statements, constants)
    assert sorted(counts.values()) == [61_696, 103_510]
    assert specs(suggest.suggest("MLPNet", namespace, counts=counts))[0] == "Net#1"
    assert specs(suggest.suggest("LeNetRBF", namespace))[0] == "Net#1"  # no argument, as the contract's
    assert suggest.missing_message_suffix("LeNetRBF", namespace, counts=counts) == (
        "Likely yours: Net#2 (a class taking (classes=10), 61,696 parameters by its source): map it with a "
        'pset3.toml line LeNetRBF = "Net#2"')


def test_the_contracts_parameter_totals_are_the_reference_models():
    import reference

    for name in ("MLPNet", "LeNetRBF", "LeNetSequential", "CifarNet"):
        model = getattr(reference, name)()
        assert sum(p.numel() for p in model.parameters()) == BY_NAME[name].parameters, name
