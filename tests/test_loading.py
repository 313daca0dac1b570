"""Loading submissions and resolving contract names, without running the spec."""

import textwrap

import pytest

from autograde.common.errors import MissingName, SubmissionImportError
from autograde.worker.loading import is_reference_path, load


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_numbered_definitions_are_reachable_through_the_mapping(tmp_path):
    write(tmp_path, "nb.py", "Net = 1\nNet = 2\n\nclass Net:\n    pass\n")
    write(tmp_path, "pset3.toml", 'MLPNet = "Net#2"\nLeNetRBF = "nb.py:Net#3"\nLeNetSequential = "Net#4"\n')
    sub = load(tmp_path)
    assert sub.resolve("MLPNet") == 2
    assert isinstance(sub.resolve("LeNetRBF"), type)
    with pytest.raises(MissingName, match=r"maps LeNetSequential to 'Net#4', but the submission has 3 top-level"):
        sub.resolve("LeNetSequential")


def test_a_name_defined_in_two_files_must_be_disambiguated(tmp_path):
    write(tmp_path, "a.py", "MLPNet = 1\n")
    write(tmp_path, "b.py", "MLPNet = 2\n")
    with pytest.raises(MissingName, match=r"`MLPNet` is defined in a.py and b.py; say which one in pset3.toml"):
        load(tmp_path).resolve("MLPNet")


def test_missing_name_lists_public_definitions_only(tmp_path):
    path = write(tmp_path, "s.py", "import torch\n_private = 1\n\ndef helper():\n    pass\n\nclass Net:\n    pass\n")
    with pytest.raises(MissingName) as info:
        load(path).resolve("MLPNet")
    assert "it defines: helper, Net." in str(info.value)


def test_mapping_of_unknown_contract_names_is_an_error(tmp_path):
    write(tmp_path, "s.py", "Net = 1\n")
    write(tmp_path, "pset3.toml", 'MLPnet = "Net"\n')
    with pytest.raises(SubmissionImportError, match="maps names the contract does not have: MLPnet"):
        load(tmp_path).resolve("MLPNet")


def test_a_statement_that_raises_is_skipped_and_loading_goes_on(tmp_path):
    write(tmp_path, "good.py", "MLPNet = 1\n")
    write(tmp_path, "bad.py", "LeNetRBF = 2\nraise ValueError('boom')\nLeNetSequential = 3\n")
    sub = load(tmp_path)
    assert (sub.resolve("MLPNet"), sub.resolve("LeNetRBF"), sub.resolve("LeNetSequential")) == (1, 2, 3)
    assert [str(s) for s in sub.skipped] == ["line 2 (raise ValueError('boom')) failed: ValueError: boom"]


def test_system_exit_at_import_is_recorded_not_obeyed(tmp_path):
    path = write(tmp_path, "s.py", "import sys\nsys.exit(3)\nMLPNet = 1\n")
    sub = load(path)
    assert sub.resolve("MLPNet") == 1
    assert "line 2 (sys.exit(3)) was skipped: it called exit(3)" in str(sub.skipped[0])


def test_a_file_that_does_not_parse_fails_every_name_it_should_have_defined(tmp_path):
    path = write(tmp_path, "s.py", "MLPNet = 1\ndef broken(:\n")
    with pytest.raises(SubmissionImportError, match=r"s.py, line 2: SyntaxError"):
        load(path).resolve("MLPNet")


def test_future_annotations_apply_to_later_statements(tmp_path):
    path = write(tmp_path, "s.py", "from __future__ import annotations\n\ndef f(x: Undefined) -> None:\n    pass\n")
    assert load(path).resolve("f").__annotations__ == {"x": "Undefined", "return": "None"}


def test_bad_paths_are_rejected_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        load(tmp_path / "nope.py")
    with pytest.raises(ValueError, match="a .py file, a .ipynb notebook, a folder of them, or a .zip"):
        load(write(tmp_path, "notes.txt", "hi"))


def test_reference_is_recognised_by_name_and_path():
    assert is_reference_path("reference")
    assert not is_reference_path("mutants")


def test_a_broken_notebook_is_a_clear_load_error(tmp_path):
    path = write(tmp_path, "nb.ipynb", "{ not json")
    with pytest.raises(SubmissionImportError, match="nb.ipynb is not a readable notebook"):
        load(path).resolve("MLPNet")


def test_a_folder_is_a_package_of_its_own_name_with_subpackages_and_relative_imports(tmp_path):
    vit = tmp_path / "vit"
    (vit / "layers").mkdir(parents=True)  # a subfolder without __init__.py is a package all the same
    write(vit, "util.py", "def img_to_patch(x, p, flatten_channels=True):\n    return 'patches'\n")
    write(vit, "vitnet.py", "from vit.util import img_to_patch\nfrom .layers.block import AttentionBlock\n")
    write(vit / "layers", "block.py",
          "from ..util import img_to_patch as cut\n\nclass AttentionBlock:\n    cut = cut\n")
    sub = load(vit)
    assert [f.name for f in sub.files] == ["util.py", "vitnet.py", "layers/block.py"]
    assert all(not f.skipped and f.error is None for f in sub.files), [f.report() for f in sub.files]
    assert sub.resolve("img_to_patch") is sub.resolve("AttentionBlock").cut  # one module, however imported


def test_a_name_a_sibling_imports_is_one_object_not_two_definitions(tmp_path):
    write(tmp_path, "model.py", "class ViT:\n    pass\n")
    write(tmp_path, "train.py", "from model import ViT\n\ndef train(net, loader):\n    return ViT\n")
    sub = load(tmp_path)
    assert sub.resolve("ViT") is sub.resolve("train")(None, None)


def test_an_imported_file_runs_statement_by_statement(tmp_path):
    write(tmp_path, "data.py", "import torchvision\ntrainset = torchvision.datasets.CIFAR10('./data', download=True)\n"
                               "\ndef make_loaders(root, batch_size=4):\n    return root\n")
    write(tmp_path, "main.py", "from data import make_loaders\n")
    sub = load(tmp_path)
    data, main = sub.files
    assert [s.where for s in data.skipped] == ["line 2"] and not main.skipped
    assert sub.resolve("make_loaders")("r") == "r"


def test_a_zipped_folder_is_the_folder(tmp_path):
    import zipfile

    # (A name of its own: this process already imported another test's `vit`, as no worker ever does.)
    with zipfile.ZipFile(tmp_path / "zipped_vit.zip", "w") as z:
        z.writestr("zipped_vit/util.py", "def img_to_patch(x, p, flatten_channels=True):\n    return 1\n")
        z.writestr("zipped_vit/vitnet.py", "from zipped_vit.util import img_to_patch\n")
        z.writestr("__MACOSX/zipped_vit/._util.py", "junk")
    sub = load(tmp_path / "zipped_vit.zip")
    assert [f.name for f in sub.files] == ["util.py", "vitnet.py"] and not sub.skipped
    assert sub.resolve("img_to_patch")(None, 4) == 1


def test_nothing_of_the_grader_is_taken_from_a_submission(tmp_path):
    write(tmp_path, "reference.py", "MLPNet = 'a student file named reference'\n")
    write(tmp_path, "main.py", "import reference\nANSWERS = reference.__file__\n")
    sub = load(tmp_path)
    assert "a student file" not in str(sub.resolve("ANSWERS"))  # `import reference` is not the student's file


def test_a_missing_names_message_is_about_it_even_when_another_mapping_is_broken(tmp_path):
    write(tmp_path, "nb.py", "class Net:\n    pass\n")
    write(tmp_path, "pset3.toml", 'MLPNet = "Net#5"\n')
    with pytest.raises(MissingName, match="does not define `CifarNet`"):
        load(tmp_path).resolve("CifarNet")
