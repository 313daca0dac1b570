"""Tamper evidence for the sandbox worker: observations are evidence only while everything the probes
rely on is what it was before the submission loaded (README, "What the worker guarantees").

`Watch.record()` keeps, before the submission runs, the identity of every function and class of the
watched modules (torch, torch.nn, torch.nn.functional, autograd and its grad mode, torch.utils.data,
both Lightning packages, the builtins, the modules of the reply path, and every autograde module: the
probe table, transport, the worker), of every method of their classes (`torch.Tensor`'s and
`nn.Module`'s among them, and any method a submission adds to shadow an inherited one), and of the
interpreter's global hooks (trace and profile functions, torch function and dispatch modes, module
hooks registered for every nn.Module). `Watch.verify()` compares them all, by identity, after each
top-level statement, after every call into the submission and after every probe. Whatever changed is
put back at once, so the worker's own machinery goes on working honestly, and the change is reported:
the sandbox then fails the submission closed, naming what it replaced and where.

What this cannot see, and README says so: a change undone before the next look (a patch made and
reverted inside one call). For those the probes take their evidence from what the submission cannot
cheaply fake (the probe net's own record of autograd in `autograde.worker.probes.loops`, values read by the
built-in types' own methods in `autograde.wire.transport`). A determined attacker inside one Python
process can defeat any check made in that process; the point is that no cheap trick forges an
observation.
"""

from __future__ import annotations

import operator
import sys
import threading
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from autograde.common.errors import Tampered
from autograde.common.tracebacks import is_implementation_file

WATCHED_MODULES = (
    "builtins", "torch", "torch.nn", "torch.nn.functional", "torch.nn.modules.module", "torch.autograd",
    "torch.autograd.grad_mode", "torch.utils.data", "torch.utils.data.dataloader", "torch.utils.data.dataset",
    "pytorch_lightning", "lightning", "lightning.pytorch", "json", "json.encoder", "struct", "math",
    "safetensors", "safetensors.torch",
)
OWN_PREFIX = "autograde"  # every module of ours in the worker: the probe table, transport, the reply path
# Classes whose methods are recorded: those the watched modules hold and that these packages define,
# with their bases.
CLASS_PACKAGES = ("torch", "pytorch_lightning", "lightning", "lightning_fabric", "autograde", "safetensors",
                  "json")
_IMMUTABLE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: a static or immutable type cannot be patched at all
_MISSING = object()


def _callable_like(value: Any) -> bool:
    return callable(value) or isinstance(value, classmethod | staticmethod | property | types.GetSetDescriptorType |
                                         types.MemberDescriptorType)


def _patchable_class(value: Any) -> bool:
    return (isinstance(value, type) and not value.__flags__ & _IMMUTABLE
            and str(getattr(value, "__module__", "")).split(".")[0] in CLASS_PACKAGES)


class _Space:
    """One namespace (a module's or a class's __dict__) and the entries it held when recorded."""

    __slots__ = ("label", "mapping", "owner", "saved", "keys", "values", "size", "closed", "table")

    def __init__(self, label: str, mapping: Any, owner: Any, saved: list[tuple[str, Any]], closed: bool,
                 table: bool = False) -> None:
        self.label = label
        self.table = table  # a dict of ours (PROBES): its entries are named `PROBES['evaluate']`
        self.mapping = mapping  # module dict (writable) or class mappingproxy
        self.owner = owner  # the class, for setattr, or None for a plain dict
        self.saved = saved
        self.keys, self.values = tuple(k for k, _ in saved), tuple(v for _, v in saved)
        self.size = len(mapping)
        self.closed = closed  # a class: a new entry may shadow an inherited method

    def name(self, key: str) -> str:
        return f"{self.label}[{key!r}]" if self.table else f"{self.label}.{key}"

    def added(self) -> list[tuple[str, Any]]:
        """(what, the entry) for each method the class has gained since it was recorded, each removed.
        An entry that is the inherited one changes nothing (Lightning puts back patched dunders so):
        it is recorded as it is, and watched from now on."""
        saved = dict(self.saved)
        found = []
        for key in [k for k in self.mapping if k not in saved]:
            value = self.mapping[key]
            if _callable_like(value) and value is not _inherited(self.owner, key):
                found.append((self.name(key), value))
                self.remove(key)
            else:
                self.saved.append((key, value))
        self.keys, self.values = tuple(k for k, _ in self.saved), tuple(v for _, v in self.saved)
        self.size = len(self.mapping)
        return found

    def put(self, key: str, value: Any) -> None:
        if self.owner is None:
            self.mapping[key] = value
        else:
            type.__setattr__(self.owner, key, value)

    def remove(self, key: str) -> None:
        if self.owner is None:
            self.mapping.pop(key, None)
        else:
            type.__delattr__(self.owner, key)


def _global_hooks() -> list[tuple[str, Callable[[], Any], Callable[[Any], None]]]:
    """(what, read it, put it back) for interpreter-wide hooks that would see or change every call."""
    hooks: list[tuple[str, Callable[[], Any], Callable[[Any], None]]] = [
        ("sys.settrace", sys.gettrace, sys.settrace),
        ("sys.setprofile", sys.getprofile, sys.setprofile),
        ("threading.settrace", lambda: threading._trace_hook, threading.settrace),
        ("threading.setprofile", lambda: threading._profile_hook, threading.setprofile),
    ]
    torch = sys.modules.get("torch")
    if torch is not None:
        hooks += [
            ("a torch function mode", torch._C._len_torch_function_stack,
             _popper(torch._C._len_torch_function_stack, torch._C._pop_torch_function_stack)),
            ("a torch dispatch mode", torch._C._len_torch_dispatch_stack,
             _popper(torch._C._len_torch_dispatch_stack, torch._C._pop_torch_dispatch_stack)),
        ]
        module = sys.modules["torch.nn.modules.module"]
        for name in sorted(vars(module)):
            table = getattr(module, name)
            if name.startswith("_global_") and isinstance(table, dict):
                hooks.append((f"a global module hook ({name.strip('_')})", table.copy, _restorer(table)))
    return hooks


def _popper(length: Callable[[], int], pop: Callable[[], Any]) -> Callable[[int], None]:
    def restore(saved: int) -> None:
        while length() > saved:
            pop()
    return restore


def _restorer(table: dict) -> Callable[[dict], None]:
    def restore(saved: dict) -> None:
        table.clear()
        table.update(saved)
    return restore


class Watch:
    """The recorded identities, and the comparison that finds what the submission replaced. Slots only:
    `watch.verify = lambda when: None` on the instance cannot switch it off."""

    __slots__ = ("spaces", "hooks", "found", "getters", "keys", "values", "closed_mappings", "closed_sizes",
                 "functions", "codes")

    def __init__(self) -> None:
        self.spaces: list[_Space] = []
        self.hooks: list[tuple[str, Callable[[], Any], Callable[[Any], None], Any]] = []
        self.found: list[str] = []  # every replacement seen so far, in words
        # Every recorded entry flat: how to read it now (its namespace's get), its key, its value then.
        self.getters: tuple[Callable[[str], Any], ...] = ()
        self.keys: tuple[str, ...] = ()
        self.values: tuple[Any, ...] = ()
        self.closed_mappings: tuple[Any, ...] = ()  # those of classes (and our tables), and their sizes then
        self.closed_sizes: tuple[int, ...] = ()
        # Our own functions and their code then: `Watch.verify.__code__ = ...` keeps the function's identity.
        self.functions: tuple[types.FunctionType, ...] = ()
        self.codes: tuple[types.CodeType, ...] = ()

    def record(self) -> Watch:
        modules = [(name, sys.modules[name]) for name in WATCHED_MODULES if name in sys.modules]
        modules += sorted((n, m) for n, m in sys.modules.items() if n.split(".")[0] == OWN_PREFIX and m is not None)
        main = sys.modules.get("__main__")
        spec = getattr(main, "__spec__", None)
        if spec is not None and spec.name.startswith(OWN_PREFIX):  # `python -m autograde.worker.serve`
            modules.append((spec.name, main))
        classes: dict[int, tuple[str, type]] = {}
        for name, module in modules:
            own = name.split(".")[0] == OWN_PREFIX
            entries = [(k, v) for k, v in vars(module).items()
                       if (own and not k.startswith("__")) or _callable_like(v)]
            self.spaces.append(_Space(name, vars(module), None, entries, closed=False))
            for key, value in entries:
                if isinstance(value, dict) and own and key.isupper():  # a table of ours (PROBES)
                    self.spaces.append(_Space(f"{name}.{key}", value, None, list(value.items()), closed=True,
                                              table=True))
                for cls in getattr(value, "__mro__", ()) if _patchable_class(value) else ():
                    if _patchable_class(cls):
                        classes.setdefault(id(cls), (f"{cls.__module__}.{cls.__qualname__}", cls))
        for label, cls in classes.values():
            entries = [(k, v) for k, v in vars(cls).items() if _callable_like(v)]
            self.spaces.append(_Space(label, vars(cls), cls, entries, closed=True))
        self.hooks = [(what, read, put, read()) for what, read, put in _global_hooks()]
        own = [f for space in self.spaces if space.label.split(".")[0] == OWN_PREFIX for _, v in space.saved
               for f in _functions_of(v) if f.__module__ and f.__module__.split(".")[0] == OWN_PREFIX]
        self.functions = tuple(dict.fromkeys(own))
        self.codes = tuple(f.__code__ for f in self.functions)
        self._flatten()
        return self

    def _flatten(self) -> None:
        self.getters = tuple(space.mapping.get for space in self.spaces for _ in space.saved)
        self.keys = tuple(key for space in self.spaces for key in space.keys)
        self.values = tuple(value for space in self.spaces for value in space.values)
        self.closed_mappings = tuple(space.mapping for space in self.spaces if space.closed)
        self.closed_sizes = tuple(space.size for space in self.spaces if space.closed)

    def verify(self, when: str) -> None:
        """Raise Tampered if anything recorded was replaced since the last look (put back first)."""
        changed = self._changes()
        if changed:
            words = _summary(changed)
            self.found.append(f"{words} {when}")
            raise Tampered(f"the submission replaced {words} {when}")

    def _changes(self, _len: Callable[[Any], int] = len, _all: Callable[..., bool] = all, _map: type = map,
                 _is: Callable[[Any, Any], bool] = operator.is_,
                 _call: Callable[..., Any] = operator.call,
                 _code: Callable[[Any], Any] = operator.attrgetter("__code__")) -> list[tuple[str, Any]]:
        """(what, the replacement) for each change, each put back. The builtins it uses are bound when
        this module is imported: a replaced `len` or `isinstance` must not blind it. Every recorded
        entry is first compared at once, by identity, in one loop in C; only a namespace that differs
        is then read entry by entry."""
        changed: list[tuple[str, Any]] = []
        if not _all(_map(_is, self.values, _map(_call, self.getters, self.keys))):
            for space in self.spaces:
                mapping = space.mapping
                for key, value in space.saved:
                    now = mapping.get(key, _MISSING)
                    if now is not value:
                        changed.append((space.name(key), now))
                        space.put(key, value)
        if tuple(_map(_len, self.closed_mappings)) != self.closed_sizes:  # a class has entries it did not have
            for space in self.spaces:
                if space.closed and _len(space.mapping) != space.size:
                    changed += space.added()
            self._flatten()
        if not _all(_map(_is, self.codes, _map(_code, self.functions))):
            changed += restore_code(self.functions, self.codes)
        for what, read, put, saved in self.hooks:
            now = read()
            if now != saved if isinstance(saved, int | dict) else now is not saved:
                changed.append((what, now))
                put(saved)
        return changed


def restore_code(functions: tuple[types.FunctionType, ...], codes: tuple[types.CodeType, ...]) -> list[tuple[str, Any]]:
    """(what, the function) for each of `functions` whose code is no longer its one of `codes`, each put back:
    a swapped `__code__` keeps the function's identity, so only its code shows the change."""
    changed = []
    for function, code in zip(functions, codes, strict=True):
        if function.__code__ is not code:
            changed.append((f"{function.__module__}.{function.__qualname__}.__code__", function))
            function.__code__ = code
    return changed


def _inherited(cls: type, key: str) -> Any:
    """What `cls.key` would be without the class's own entry."""
    for base in cls.__mro__[1:]:
        if key in vars(base):
            return vars(base)[key]
    return _MISSING


def _summary(changed: list[tuple[str, Any]]) -> str:
    shown = [f"{what}{_origin(value)}" for what, value in changed[:3]]
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return ", ".join(shown) + more


def _origin(value: Any) -> str:
    """Where a replacement came from, when the value tells: ` (x.py line 7)` for a function or method,
    ` (the class x.no_grad, x.py line 12)` for a class."""
    code = next((f.__code__ for f in _functions_of(value)), None)
    where = f"{Path(code.co_filename).name} line {code.co_firstlineno}" if code is not None else ""
    if isinstance(value, type):
        own = code is not None and is_implementation_file(code.co_filename)
        return f" (the class {value.__module__}.{value.__qualname__}" + (f", {where})" if own else ")")
    return f" ({where})" if where else ""


def _functions_of(value: Any) -> Iterator[types.FunctionType]:
    if isinstance(value, types.FunctionType):
        yield value
    elif isinstance(value, types.MethodType | classmethod | staticmethod) and \
            isinstance(value.__func__, types.FunctionType):
        yield value.__func__
    elif isinstance(value, property) and isinstance(value.fget, types.FunctionType):
        yield value.fget
    elif isinstance(value, type):
        yield from (v for v in type.__dict__["__dict__"].__get__(value).values() if isinstance(v, types.FunctionType))


_WATCH: Watch | None = None  # the worker's, once it has recorded; None elsewhere (the reference, in-process runs)


def start() -> Watch:
    """Record now (in the worker, before the submission loads); later `check` calls compare with it."""
    global _WATCH
    _WATCH = Watch()  # first: the record holds this very value, so replacing it is seen too
    return _WATCH.record()


def check(when: str) -> None:
    """Verify the worker's watch, if it has one (a no-op in any other process)."""
    if _WATCH is not None:
        _WATCH.verify(when)


def found() -> list[str]:
    return list(_WATCH.found) if _WATCH is not None else []


__all__ = ["Tampered", "Watch", "check", "found", "restore_code", "start"]
