"""Suggestions for a missing contract name: which of the submission's own top-level definitions it
most likely means, and the exact `pset3.toml` line that would map it. Nothing here maps anything:
grades use only the mappings a student or the staff wrote.

How to call it where a contract name is found missing (`Submission._missing`, autograde/worker/loading.py):

    from autograde.worker import suggest

    items = suggest.definitions(self.files)  # [(file name, top-level name, object, k), ...]
    counts = suggest.counts_from_source(Path(self.label), self.files, items)  # optional; cache it per submission
    text = suggest.missing_message_suffix(name, items, folder=Path(self.label).is_dir(), counts=counts,
                                          instantiate=<True only in the sandboxed worker>)
    message = f"{message}. {text}" if text else message

`items` holds one entry per top-level definition, as `LoadedFile.definitions` keeps them: k counts the
definitions of that name in that file from 1, as `Name#k` does (`definitions(files)` builds the list from
loaded files). `folder=False` says the submission is a single file, which has no pset3.toml yet. `taken=`
(objects that a pset3.toml already maps) keeps those out. `suggest(name, items)` returns the ranked
`Suggestion`s themselves (`pset3 map` uses it, autograde/commands/propose.py). Only `instantiate=True` runs the
submission's code; every other step reads objects, signatures, MROs and source text.

Candidates are ranked by kind (contract.toml's `kind`: a class for a class, a function for a function, a
value of the right type for a constant: another kind is never suggested), by signature (the contract's
parameters against `inspect.signature` of the candidate: can it be called as the contract's name is, with
the same number of required arguments and the same parameter names), by base class (an `nn.Module`, or a
`LightningModule` for `ViT`, told by the class names of its MRO: Lightning is never imported here), and by
name (difflib, and the words of the names: `Net` for `CifarNet`, `train_model` for `train`).

A model's parameter count, compared with the contract's total (contract.toml's `parameters`), ranks the
models best of all: `counts_from_source` reads it from the class's source (nn.Linear(1024, 100) and the like,
with the file's integer constants and the submission's own layers; none where the source does not tell it
exactly), and `instantiate=True` also builds each leading candidate whose constructor takes no arguments and
counts its parameters. That runs the submission's code: pass it only inside the sandboxed worker
(autograde/worker/serve.py), never in the process that computes scores. A build keeps the RNG states, grad mode,
default dtype and thread count as they were, is cut off after INSTANTIATE_SECONDS (only where a timer is free:
the main thread, no interval timer armed; otherwise nothing is built), and happens once per class. The tamper
watch (autograde/worker/integrity.py) sees what a constructor replaced at its next look, after the next probe.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import inspect
import json
import re
import signal
import sys
import sysconfig
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograde.common.contract import BY_NAME, CONTRACT_NAMES, ContractName

MAPPING_FILE = "pset3.toml"  # autograde.worker.loading's MAPPING_FILE (loading imports this module, not the reverse)
Item = tuple[str, str, object, int]  # (file name, top-level name, object, k: its definition number in that file)

LIMIT = 3  # suggestions returned at most
MIN_SCORE = 0.45  # below it, a candidate is not "likely"
TIE = 0.05  # a runner-up this close to the best is named too
INSTANTIATE_SECONDS = 2.0  # one constructor's time
MAX_INSTANTIATED = 4  # candidates built per missing name, the best-ranked first
PARAMETERS_MATCH, PARAMETERS_DIFFER = 0.3, -0.25  # added to a model's score once its parameters are counted

BASES = {"ViT": "LightningModule"}  # a class contract's expected base; every other one is an nn.Module
CONSTANT_TYPES: dict[str, type] = {"ANSWERS": dict}
# Words students use for a contract name's, beside the words of the name itself.
RELATED: dict[str, tuple[str, ...]] = {
    "make_cifar10_splits": ("split", "splits", "dataset", "datasets", "data", "cifar", "cifar10"),
    "image_grid": ("grid", "imshow", "show", "images"),
    "img_to_patch": ("patch", "patches", "patchify", "image"),
    "AttentionBlock": ("attention", "attn", "block", "encoder", "transformer"),
    "VisionTransformer": ("vision", "transformer", "vit"),
    "ViT": ("vision", "transformer", "lightning", "lit", "module"),
    "MLPNet": ("mlp", "net", "linear", "fc"),
    "LeNetRBF": ("lenet", "rbf", "gaussian", "net"),
    "LeNetSequential": ("lenet", "sequential", "seq", "net"),
    "make_loaders": ("loader", "loaders", "dataloader", "dataloaders", "data"),
    "CifarNet": ("cifar", "cifar10", "cnn", "conv", "net"),
    "train": ("fit", "training"),
    "evaluate": ("test", "accuracy", "acc", "eval", "evaluation"),
    "ANSWERS": ("answer", "answers"),
}
# Words that say nothing about which name is meant.
NEUTRAL = frozenset({"my", "the", "a", "an", "to", "of", "model", "fn", "func", "function", "new", "final", "simple",
                     "custom", "get", "make", "build", "create", "do", "run", "compute", "v", "version"})
LIBRARIES = frozenset({"torch", "torchvision", "lightning", "pytorch_lightning", "lightning_fabric", "numpy", "scipy",
                       "sklearn", "matplotlib", "pandas", "PIL", "tqdm", "einops", "autograde", "reference"})


@dataclass(frozen=True)
class Suggestion:
    """One candidate for a missing contract name, with the pset3.toml line that would map it."""

    name: str  # the contract name
    file: str
    target: str  # the candidate's top-level name
    index: int  # which definition of `target` in `file`, from 1
    spec: str  # the value to write: Net, Net#2, or file.py:Net
    kind: str  # "class", "function" or "constant"
    description: str  # "a class taking no arguments, 62,006 parameters"
    score: float
    parameters: int | None = None  # its parameter count, where it was built or its source tells it

    @property
    def line(self) -> str:
        """The exact pset3.toml line: `CifarNet = "Net"`."""
        return f"{self.name} = {json.dumps(self.spec, ensure_ascii=False)}"


def definitions(files: Iterable[Any]) -> list[Item]:
    """Every public top-level definition of loaded files (`LoadedFile`: `.name`, `.definitions`), as items."""
    return [(f.name, target, obj, k) for f in files for target, objs in f.definitions.items()
            if not target.startswith("_") for k, obj in enumerate(objs, 1)]


def suggest(name: str, namespace_items: Iterable[Item], *, instantiate: bool = False, taken: Iterable[object] = (),
            counts: Mapping[int, int] | None = None, limit: int = LIMIT) -> list[Suggestion]:
    """The likeliest of the submission's definitions for contract name `name`, best first (at most `limit`).

    Items named like a contract name are left out (they serve that name), and so are the objects in `taken`
    (those a pset3.toml already maps). `instantiate`: see the module's docstring; only in the sandboxed worker.
    `counts`: parameter counts read from the classes' source (`source_counts`, by id of the class), which runs
    nothing of the submission: used wherever no instantiation counted. A name outside the contract gets none."""
    if name not in BY_NAME:
        return []
    contract = BY_NAME[name]
    items = list(namespace_items)
    definitions_of = Counter((file, target) for file, target, _, _ in items)
    several_files = len({file for file, _, _, _ in items}) > 1
    taken_ids = {id(obj) for obj in taken}
    ranked: list[tuple[float, int, Suggestion, Any]] = []
    for order, (file, target, obj, index) in enumerate(items):
        if target in CONTRACT_NAMES or target.startswith("_") or id(obj) in taken_ids:
            continue
        scored = _score(contract, target, obj)
        if scored is None:
            continue
        score, description = scored
        spec = target if definitions_of[(file, target)] == 1 else f"{target}#{index}"
        spec = f"{file}:{spec}" if several_files else spec
        ranked.append((score, order, Suggestion(name, file, target, index, spec, contract.kind, description, score),
                       obj))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    if contract.parameters is not None and (instantiate or counts):
        ranked = _counted(contract, ranked, instantiate, counts or {})
    return [s for score, _, s, _ in ranked if score >= MIN_SCORE][:limit]


def missing_message_suffix(name: str, namespace_items: Iterable[Item], *, instantiate: bool = False,
                           folder: bool = True, taken: Iterable[object] = (),
                           counts: Mapping[int, int] | None = None) -> str:
    """What to append to the message that `name` is missing: the likeliest candidate (two, when the runner-up
    is as likely) and its pset3.toml line; "" when none is likely. `folder=False`: a single-file submission.
    The other arguments are `suggest`'s."""
    found = suggest(name, namespace_items, instantiate=instantiate, taken=taken, counts=counts)
    if not found:
        return ""
    best, *rest = found
    shown = [best, *(s for s in rest[:1] if best.score - s.score <= TIE)]
    who = " or ".join(f"{s.spec} ({s.description})" for s in shown)
    where = "" if folder else f", in a {MAPPING_FILE} beside your file (submit the two as one folder)"
    if len(shown) == 1:
        return f"Likely yours: {who}: map it with a {MAPPING_FILE} line {best.line}{where}"
    return (f"Likely yours: {who}: map the one you mean with a {MAPPING_FILE} line, {best.line} or "
            f"{shown[1].line}{where}")


# -- ranking ---------------------------------------------------------------------------------------------------


def _score(contract: ContractName, target: str, obj: object) -> tuple[float, str] | None:
    """(score, description) of a candidate of the contract's kind, or None for one of another kind."""
    name = name_similarity(contract.name, target)
    if contract.kind == "constant":
        wanted = CONSTANT_TYPES.get(contract.name)
        if callable(obj) or inspect.ismodule(obj) or (wanted is not None and not isinstance(obj, wanted)):
            return None
        return name, _describe_value(obj)
    if contract.kind == "function":
        if not inspect.isfunction(obj) or not _defined_by_submission(obj):
            return None
        sig = _signature(obj)
        return 0.6 * name + 0.4 * signature_similarity(contract.signature, sig), f"a function {_taking(sig)}"
    if not isinstance(obj, type) or not _defined_by_submission(obj):
        return None
    bases = base_names(obj)
    base = _base_score(BASES.get(contract.name, "Module"), bases)
    if base is None:
        return None
    sig = _signature(obj)
    what = "a LightningModule" if "LightningModule" in bases else "a class"
    score = (0.35 * name + 0.25 * signature_similarity(contract.signature, sig) + 0.25 * base) / 0.85
    return score, f"{what} {_taking(sig)}"


def name_similarity(contract_name: str, candidate: str) -> float:
    """0 to 1: how much `candidate` reads like `contract_name` (its words among the contract name's and the
    words related to it, or the contract name's among its own; and difflib's ratio of the two names)."""
    theirs, own = words(candidate) - NEUTRAL, words(contract_name) - NEUTRAL
    ours = own | set(RELATED.get(contract_name, ()))
    # the share of its words that are ours, or of the contract name's words that are its (train_net for train)
    shared = max(len(theirs & ours) / len(theirs), len(theirs & own) / len(own)) if theirs and own else 0.0
    ratio = difflib.SequenceMatcher(None, contract_name.lower(), candidate.lower()).ratio()
    return 0.6 * shared + 0.4 * ratio


def words(name: str) -> set[str]:
    """The lower-case words of a snake_case or CamelCase name, digits left out: CifarNet2 -> {cifar, net}."""
    return {w.lower() for part in name.split("_") for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", part)}


def signature_similarity(contract_signature: str, sig: inspect.Signature | None) -> float:
    """0 to 1: whether the candidate can be called as the contract's name is (its required arguments
    positionally, its optional ones by name), the same number of required arguments, the same names.
    An unknown signature (or only *args, **kwargs) counts 0.5."""
    names, required = contract_parameters(contract_signature)
    if sig is None:
        return 0.5
    named = [p for p in sig.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not named and len(sig.parameters) > 0:
        return 0.5
    given = [object()] * required
    positional = _binds(sig, given, {})
    full = _binds(sig, given, dict.fromkeys(names[required:]))
    theirs_required = sum(1 for p in named if p.default is p.empty)
    ours, theirs = set(names), {p.name for p in named}
    shared = len(ours & theirs) / len(ours | theirs) if ours | theirs else 1.0
    return 0.25 * positional + 0.15 * full + 0.2 * (theirs_required == required) + 0.4 * shared


def contract_parameters(signature: str) -> tuple[list[str], int]:
    """A contract signature's parameter names and how many of them are required: "(net, loader, epochs=2)"
    -> (["net", "loader", "epochs"], 2)."""
    if not signature:
        return [], 0
    args = ast.parse(f"def f{signature}: pass").body[0].args
    positional = [a.arg for a in [*args.posonlyargs, *args.args]]
    return [*positional, *(a.arg for a in args.kwonlyargs)], len(positional) - len(args.defaults)


def base_names(cls: type) -> set[str]:
    """"Module" (torch's nn.Module) and "LightningModule" (either Lightning package's), when the class's MRO has
    them; found by class name, so Lightning is never imported for it."""
    found = set()
    for c in getattr(cls, "__mro__", ()):
        module = str(getattr(c, "__module__", "") or "")
        if c.__name__ == "LightningModule":
            found.add("LightningModule")
        elif c.__name__ == "Module" and module.split(".")[0] == "torch":
            found.add("Module")
    return found


def _base_score(expected: str, bases: set[str]) -> float | None:
    """1 for the expected base, less for the other model base, None for a class that is no model at all."""
    if "Module" not in bases and "LightningModule" not in bases:
        return None
    if expected == "LightningModule":
        return 1.0 if "LightningModule" in bases else 0.3
    return 0.6 if "LightningModule" in bases else 1.0


def _binds(sig: inspect.Signature, args: list[object], kwargs: dict[str, object]) -> bool:
    try:
        sig.bind(*args, **kwargs)
    except TypeError:
        return False
    return True


def _signature(obj: object) -> inspect.Signature | None:
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


def _taking(sig: inspect.Signature | None) -> str:
    if sig is None:
        return "of unknown signature"
    if not sig.parameters:
        return "taking no arguments"
    text = str(sig.replace(return_annotation=inspect.Signature.empty))
    return f"taking {text if len(text) <= 70 else text[:67] + '...)'}"


def _describe_value(obj: object) -> str:
    size = f" of {len(obj)} entr{'y' if len(obj) == 1 else 'ies'}" if isinstance(obj, dict | list | tuple) else ""
    return f"a {type(obj).__name__}{size}"


def _library_folders() -> list[Path]:
    paths = sysconfig.get_paths()
    return [Path(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths]


_LIBRARY_FOLDERS = _library_folders()


def _defined_by_submission(obj: object) -> bool:
    """Whether a class or function was defined by the submission, not imported from a library."""
    module_name = str(getattr(obj, "__module__", "") or "")
    root = module_name.split(".")[0]
    if root in LIBRARIES or root in sys.stdlib_module_names or root == "builtins":
        return False
    file = getattr(sys.modules.get(module_name), "__file__", None)
    if not file:
        return True
    path = Path(file)
    return not any(path.is_relative_to(folder) for folder in _LIBRARY_FOLDERS)


# -- counting parameters (inside the sandboxed worker only) ----------------------------------------------------

_COUNTS: weakref.WeakKeyDictionary[type, int | None] = weakref.WeakKeyDictionary()


def _counted(contract: ContractName, ranked: list[tuple[float, int, Suggestion, Any]], instantiate: bool,
             counts: Mapping[int, int]) -> list[tuple[float, int, Suggestion, Any]]:
    """The ranking again, once the models with a no-argument constructor have been counted: the best few
    built (`instantiate`), the others as their source reads (`counts`)."""
    built = 0
    out = []
    for score, order, s, obj in ranked:
        count, how = None, ""
        if isinstance(obj, type) and _binds_nothing(obj):
            if instantiate and built < MAX_INSTANTIATED:
                built += 1
                count = parameter_count(obj)
            if count is None and id(obj) in counts:
                count, how = counts[id(obj)], " by its source"
        if count is not None and contract.parameters is not None and count != contract.parameters:
            continue  # a model of another size is not the one the contract names
        if count is not None:
            score += PARAMETERS_MATCH if count == contract.parameters else PARAMETERS_DIFFER
            s = Suggestion(s.name, s.file, s.target, s.index, s.spec, s.kind,
                           f"{s.description}, {count:,} parameters{how}", score, count)
        out.append((score, order, s, obj))
    out.sort(key=lambda r: (-r[0], r[1]))
    return out


def _binds_nothing(cls: type) -> bool:
    sig = _signature(cls)
    return sig is not None and _binds(sig, [], {})


class _OutOfTime(BaseException):
    """Raised in a constructor that ran over INSTANTIATE_SECONDS (a BaseException: `except Exception` in the
    submission does not swallow it)."""


def parameter_count(cls: type, seconds: float = INSTANTIATE_SECONDS) -> int | None:
    """How many parameter elements `cls()` has; None where it cannot be built in time, or no timer is free.
    It runs the submission's code: only inside the sandboxed worker. Counted once per class."""
    with contextlib.suppress(TypeError):  # a class that takes no weak reference is counted each time
        if cls in _COUNTS:
            return _COUNTS[cls]
    count, limited = None, False
    try:
        with _kept_global_state(), _time_limit(seconds) as limited:  # the timer is off before the state is restored
            if limited:
                count = sum(int(p.numel()) for p in cls().parameters())
    except (Exception, SystemExit, _OutOfTime):  # noqa: BLE001 - any failure of student code: no count
        count = None
    if limited:  # where no timer was free, nothing was tried: the next call may try
        with contextlib.suppress(TypeError):
            _COUNTS[cls] = count
    return count


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[bool]:
    """SIGALRM after `seconds`, and every second after that; yields False (no limit, build nothing) outside the
    main thread or while another interval timer runs (a statement's budget, autograde.worker.execution)."""
    if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield False
        return

    def fire(signum: int, frame: Any) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, fire)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGALRM])
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _kept_global_state() -> Iterator[None]:
    """torch's, random's and numpy's RNG states, grad mode, default dtype and thread count, as they were."""
    import random

    import torch

    py_state = random.getstate()
    numpy = sys.modules.get("numpy")
    np_state = numpy.random.get_state() if numpy is not None else None
    grad, dtype, threads = torch.is_grad_enabled(), torch.get_default_dtype(), torch.get_num_threads()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    try:
        with torch.random.fork_rng(devices=devices):
            yield
    finally:
        random.setstate(py_state)
        if np_state is not None:
            numpy.random.set_state(np_state)
        torch.set_grad_enabled(grad)
        torch.set_default_dtype(dtype)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


# -- counting parameters from the source (runs nothing of the submission) --------------------------------------

LAYER_PARAMETERS = ("Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
                    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "Embedding", "Parameter")
# Calls of capitalised names that add no parameter: activations, pooling, dropout, containers, losses, errors.
NO_PARAMETERS = re.compile(r"(Adaptive)?(Avg|Max|LP|Fractional)Pool\dd|\w*Pad\dd|\w*Dropout\dd?|R?ReLU6?|"
                           r"LeakyReLU|[CS]?ELU|GELU|SiLU|Mish|Tanh|Sigmoid|(Log)?Softmax|Softm(in|ax2d)|Soft(plus|sign)|"
                           r"Hard(tanh|swish|sigmoid)|LogSigmoid|Threshold|Identity|(Un)?[Ff]latten|Sequential|"
                           r"Module(List|Dict)|Upsample|Pixel(Un)?[Ss]huffle|ChannelShuffle|(Un)?[Ff]old|\w*Loss|"
                           r"OrderedDict|\w*(Error|Exception|Warning)")
MODEL_BASES = ("Module", "LightningModule")
# What `nn.Parameter(torch.randn(10, 84))` wraps: the shape is read from its arguments.
TENSOR_MAKERS = ("randn", "rand", "zeros", "ones", "empty", "Tensor", "FloatTensor")
SELF_CALLS_WITHOUT_PARAMETERS = ("register_buffer", "register_parameter", "add_module", "apply", "to", "float",
                                 "double", "train", "eval", "save_hyperparameters")


class _Unknown(Exception):
    """The source does not say how many parameters: no count rather than a wrong one."""


MAX_DEPTH = 4  # layers of the submission's own, one inside another, read at most


def source_parameter_count(node: ast.ClassDef, constants: Mapping[str, int] | None = None,
                           classes: Mapping[str, list[ast.ClassDef]] | None = None) -> int | None:
    """The parameter elements of a model class with a no-argument constructor, read from its `__init__`
    without running anything: nn.Linear, the convolutions, batch and layer norms, embeddings,
    `nn.Parameter(torch.randn(shape))`, and layers of the submission's own (`classes`: the file's class
    definitions by name, each read with the integer arguments it is given). Arguments are integer
    expressions: literals, arithmetic, earlier assignments, `constants` (the file's top-level integers).
    None where the source cannot tell exactly: another base class, a layer built in a loop or a branch,
    a layer it does not know, an argument it cannot work out."""
    values = {k: v for k, v in (constants or {}).items() if type(v) is int}
    try:
        return _Reader(values, classes or {}).count(node, [], {})
    except (_Unknown, RecursionError):
        return None


def source_counts(items: Iterable[Item], statements: Iterable[Any], constants: Mapping[str, Mapping[str, int]]
                  ) -> dict[int, int]:
    """{id(class): its parameter count read from its source} for the classes among `items` whose `__init__`
    lies in one of `statements` (`sources.Statement`s: `.node`, `.filename`). `constants`: each file's
    top-level integers, by file name (the loaded namespace)."""
    statements = list(statements)
    nodes: dict[tuple[str, str], list[ast.ClassDef]] = {}
    by_file: dict[str, dict[str, list[ast.ClassDef]]] = {}
    for stmt in statements:
        if isinstance(stmt.node, ast.ClassDef):
            nodes.setdefault((stmt.filename, stmt.node.name), []).append(stmt.node)
            file = stmt.filename.split(" [cell ")[0]  # a notebook's cells are one file
            by_file.setdefault(file, {}).setdefault(stmt.node.name, []).append(stmt.node)
    found: dict[int, int] = {}
    for file, _, obj, _ in items:
        code = getattr(vars(obj).get("__init__") if isinstance(obj, type) else None, "__code__", None)
        if code is None:
            continue
        for node in nodes.get((code.co_filename, obj.__name__), []):
            if node.lineno <= code.co_firstlineno <= (node.end_lineno or node.lineno):
                classes = by_file.get(code.co_filename.split(" [cell ")[0], {})
                count = source_parameter_count(node, constants.get(file), classes)
                if count is not None:
                    found[id(obj)] = count
    return found


def counts_from_source(path: Path, files: Iterable[Any], items: Iterable[Item]) -> dict[int, int]:
    """`source_counts` for a submission loaded from `path` (a file, or a folder of them), whose loaded files
    (`LoadedFile`: `.name`, `.namespace`) are `files`: its sources are read again, parsed and never run."""
    from autograde.common.errors import SubmissionProblem
    from autograde.worker import sources

    files = list(files)
    statements = []
    for f in files:
        file = path if path.is_file() else path / f.name
        if file.suffix in (".py", ".ipynb"):
            with contextlib.suppress(SubmissionProblem, OSError, ValueError):
                statements += sources.read(file).statements
    constants = {f.name: {k: v for k, v in f.namespace.items() if type(v) is int} for f in files}
    return source_counts(items, statements, constants)


class _Reader:
    """Reads parameter counts out of class definitions; raises _Unknown where the source does not tell."""

    def __init__(self, constants: dict[str, int], classes: Mapping[str, list[ast.ClassDef]]) -> None:
        self.constants = constants
        self.classes = classes
        self.depth = 0

    def count(self, node: ast.ClassDef, args: list[int], kwargs: dict[str, int]) -> int:
        """`node(*args, **kwargs)`'s parameters."""
        if not all(_final_name(base) in MODEL_BASES for base in node.bases) or not node.bases:
            raise _Unknown  # another base may add layers of its own
        init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        if init is None:
            if args or kwargs:
                raise _Unknown
            return 0
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Unknown
            return self._statements(init.body, {**self.constants, **_bind(init.args, args, kwargs)})
        finally:
            self.depth -= 1

    def _statements(self, body: list[ast.stmt], values: dict[str, int]) -> int:
        total = 0
        for stmt in body:
            if isinstance(stmt, ast.For | ast.AsyncFor | ast.While | ast.If | ast.Try | ast.With | ast.FunctionDef
                          | ast.AsyncFunctionDef | ast.ClassDef | ast.Match):
                if any(self._may_add(n) for n in ast.walk(stmt)):
                    raise _Unknown  # how many times, or which branch: not read
                continue
            for node in ast.walk(stmt):
                if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp | ast.Lambda) and any(
                        self._may_add(n) for n in ast.walk(node)):
                    raise _Unknown
                if isinstance(node, ast.Call):
                    total += self._call(node, values)
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and (key := _key(stmt.targets[0])) is not None:
                try:
                    values[key] = _integer(stmt.value, values)
                except _Unknown:
                    values.pop(key, None)  # no longer the value it had
        return total

    def _may_add(self, node: ast.AST) -> bool:
        """Whether a call may add parameters (a layer, or anything capitalised it does not know to add none)."""
        if not isinstance(node, ast.Call):
            return False
        try:
            self._call(node, {}, dry=True)
        except _Unknown:
            return True
        return _final_name(node.func) in LAYER_PARAMETERS or _final_name(node.func) in self.classes

    def _call(self, call: ast.Call, values: Mapping[str, int], dry: bool = False) -> int:
        """The parameter elements one call adds (its own, not its arguments': those are calls of their own)."""
        name = _final_name(call.func)
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            if name in SELF_CALLS_WITHOUT_PARAMETERS:
                return 0
            raise _Unknown  # a method of its own may build layers
        if dry and (name in LAYER_PARAMETERS or name in self.classes):
            return 0
        if name in self.classes:
            if len(self.classes[name]) != 1:
                raise _Unknown  # which of its definitions: not read
            _arguments(call, values)  # no *args or **kwargs
            args = [_integer(a, values) for a in call.args]
            kwargs = {k.arg: _integer(k.value, values) for k in call.keywords if k.arg is not None}
            return self.count(self.classes[name][0], args, kwargs)
        if name == "Parameter":
            shape = call.args[0] if call.args else None
            while (isinstance(shape, ast.Call) and isinstance(shape.func, ast.Attribute)  # torch.empty(...).normal_()
                   and isinstance(shape.func.value, ast.Call) and shape.func.attr not in TENSOR_MAKERS):
                shape = shape.func.value
            if not (isinstance(shape, ast.Call) and _final_name(shape.func) in TENSOR_MAKERS):
                raise _Unknown
            return _product(_shape(shape, values))
        if name in TENSOR_MAKERS:
            return 0  # a tensor, not a parameter (the Parameter around it counts it)
        if name not in LAYER_PARAMETERS:
            if name[:1].isupper() and not NO_PARAMETERS.fullmatch(name):
                raise _Unknown  # a layer the count does not know
            return 0
        return _layer(name, _arguments(call, values))


def _layer(name: str, arg: Any) -> int:
    """The parameter elements of one torch layer, from its arguments (`arg(position, keyword, default)`)."""
    if name == "Linear":
        inputs, outputs = arg(0, "in_features"), arg(1, "out_features")
        return inputs * outputs + (outputs if arg(2, "bias", 1) else 0)
    if name.startswith("Conv"):  # Conv and ConvTranspose alike: groups and bias are the 7th and 8th
        inputs, outputs, kernel = arg(0, "in_channels"), arg(1, "out_channels"), arg(2, "kernel_size", shape=True)
        groups, bias = arg(6, "groups", 1), arg(7, "bias", 1)
        kernel = kernel if isinstance(kernel, tuple) else (kernel,) * int(name[-2])
        if groups < 1 or inputs % groups:
            raise _Unknown
        return inputs // groups * outputs * _product(kernel) + (outputs if bias else 0)
    if name.startswith("BatchNorm"):
        return 2 * arg(0, "num_features") if arg(3, "affine", 1) else 0
    if name == "LayerNorm":
        shape = arg(0, "normalized_shape", shape=True)
        size = _product(shape) if isinstance(shape, tuple) else shape
        return (size if arg(2, "elementwise_affine", 1) else 0) * (2 if arg(3, "bias", 1) else 1)
    return arg(0, "num_embeddings") * arg(1, "embedding_dim")  # Embedding


def _bind(args: ast.arguments, given: list[int], named: dict[str, int]) -> dict[str, int]:
    """`__init__(self, ...)`'s integer parameters for a call with `given` and `named` (unknown ones left out)."""
    positional = [a.arg for a in [*args.posonlyargs, *args.args]][1:]  # without self
    if len(given) > len(positional) and args.vararg is None:
        raise _Unknown
    defaults = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True))
    defaults |= {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None}
    bound = dict(zip(positional, given, strict=False))
    for key, value in named.items():
        if key in bound or (key not in positional and key not in {a.arg for a in args.kwonlyargs}
                            and args.kwarg is None):
            raise _Unknown
        bound[key] = value
    for key, default in defaults.items():
        if key not in bound:
            with contextlib.suppress(_Unknown):
                bound[key] = _integer(default, {})
    required = positional[:len(positional) - len(args.defaults)]
    if any(key not in bound for key in required):
        raise _Unknown
    return bound


def _final_name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _key(node: ast.AST) -> str | None:
    """`name` or `self.name`, as a key of known values."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return f"self.{node.attr}"
    return None


def _arguments(call: ast.Call, values: Mapping[str, int]) -> Any:
    """`arg(position, keyword, default=None, shape=False)`: one argument of `call` as an integer (a tuple of
    them for a shape); raises _Unknown where it is not one, or is missing without a default."""
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
        raise _Unknown

    def arg(position: int, keyword: str, default: int | None = None, shape: bool = False) -> Any:
        node = call.args[position] if position < len(call.args) else keywords.get(keyword)
        if node is None:
            if default is None:
                raise _Unknown
            return default
        if shape and isinstance(node, ast.Tuple | ast.List):
            return tuple(_integer(e, values) for e in node.elts)
        return _integer(node, values)

    return arg


def _shape(call: ast.Call, values: Mapping[str, int]) -> tuple[int, ...]:
    if len(call.args) == 1 and isinstance(call.args[0], ast.Tuple | ast.List):
        return tuple(_integer(e, values) for e in call.args[0].elts)
    if any(isinstance(a, ast.Starred) for a in call.args):
        raise _Unknown
    return tuple(_integer(a, values) for a in call.args)


def _integer(node: ast.AST, values: Mapping[str, int]) -> int:
    """An integer expression: literals (True and False as 1 and 0), names with known values, + - * // and **."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, bool):
        return int(node.value)
    if (key := _key(node)) is not None and key in values:
        return values[key]
    if isinstance(node, ast.BinOp):
        left, right = _integer(node.left, values), _integer(node.right, values)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.FloorDiv) and right != 0:
            return left // right
        if isinstance(node.op, ast.Pow) and 0 <= right <= 8:
            return left**right
    raise _Unknown


def _product(shape: tuple[int, ...] | int) -> int:
    total = 1
    for n in shape if isinstance(shape, tuple) else (shape,):
        total *= n
    return total
