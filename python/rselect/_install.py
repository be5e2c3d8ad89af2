"""Make rselect the ``select`` module of the running interpreter.

``install()`` does two things:

1. ``sys.modules["select"]`` becomes rselect and ``sys.modules["selectors"]``
   becomes ``rselect.selectors``, so every later ``import select`` or
   ``import selectors`` (and ``from ... import``) gets ours; when
   ``selectors`` is not imported yet, that happens at its first import;
2. every module already imported that captured the stock module, or one of
   its functions and types, is rebound. The stdlib does this at import time:
   ``selectors`` keeps ``select.select``, ``select.poll`` and
   ``select.epoll`` in class attributes (``SelectSelector._select``,
   ``PollSelector._selector_cls``, ...), ``pty`` does ``from select import
   select``, ``subprocess`` keeps ``selectors.PollSelector``, ``socketserver``
   too, asyncio keeps the ``selectors`` module. The
   search is by identity over the globals of every module in ``sys.modules``
   and the attributes of the classes each module defines, so third-party
   modules that did the same (``import select`` at top level, ``from select
   import epoll``) are rebound too.

Each rebinding is recorded; ``uninstall()`` puts back exactly those that still
hold what ``install()`` put there, and rebinds modules imported while rselect
was installed the other way round (module references anywhere; function and
type references in stdlib modules only, since outside the stdlib a reference
to, say, ``rselect.epoll`` may have been taken on purpose).

Objects created before ``install()`` keep the module they were made with: a
``selectors.EpollSelector`` opened earlier still holds a stock ``epoll``, an
asyncio loop started earlier keeps its selector. Call ``install()`` first
thing (or use ``python -m rselect run``) for a whole program on rselect.

What is swapped is a table (``_SWAPS``): one entry per stdlib module rselect
replaces, ``select`` and ``selectors``.
"""

from __future__ import annotations

import _thread
import sys
import types

from rselect import _rselect

# This module is imported at interpreter start-up by the startup hook in
# every process that has RSELECT_INSTALL set: no typing, threading or
# importlib imports at run time (together they would nearly double a
# process's start-up time; figures in docs/dropin.md).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any

# (stdlib module name, loader of its replacement, lazy). Order matters only
# for import side effects: a replacement may import the ones before it. A
# lazy swap whose stock module is not imported yet when install() runs is
# left to the first ``import`` of that name (see _Finder): importing
# ``selectors`` and its replacement would cost a program that never uses
# them start-up time, in every child process too (docs/dropin.md).
_SWAPS: list[tuple[str, Callable[[], types.ModuleType], bool]] = [
    ("select", lambda: _rselect, False),
    ("selectors", lambda: __import__("rselect.selectors", fromlist=["selectors"]), True),
]

# Values that are never rebound even when identical in both modules (the
# constants are equal ints; ``error`` is ``OSError`` in both).
_IMMUTABLE = (int, float, str, bytes, bool, type(None))

_lock = _thread.RLock()


class _State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.active = False
        # name -> (stock module or None, its replacement)
        self.modules: dict[str, tuple[types.ModuleType | None, types.ModuleType]] = {}
        # (namespace, attribute, old value, new value), in the order applied
        self.rebound: list[tuple[Any, str, Any, Any]] = []
        # names of the modules present when install() ran
        self.seen: set[str] = set()


_state = _State()


def installed() -> bool:
    """Return True when ``import select`` gives rselect in this interpreter."""
    return sys.modules.get("select") is _rselect


def install() -> None:
    """Make rselect the ``select`` module of this interpreter (idempotent).

    Safe to call at any time; call it before the program opens selectors or
    event loops so that those use rselect too.
    """
    with _lock:
        if _state.active:
            for name, (_stock, replacement) in _state.modules.items():
                sys.modules[name] = replacement
            _finder.attach()
            return
        modules = {}
        for name, load, lazy in _SWAPS:
            if lazy and name not in sys.modules:
                _finder.pending[name] = load
                continue
            replacement = load()
            modules[name] = (_import_stock(name, replacement), replacement)
        _state.rebound = list(_rebind(_mapping(modules.values()), lambda _name: _ALL))
        for name, (_stock, replacement) in modules.items():
            sys.modules[name] = replacement
        _finder.attach()
        _state.active = True
        _state.modules = modules
        _state.seen = set(sys.modules)


def uninstall() -> None:
    """Undo :func:`install` (idempotent): the stock modules are back everywhere."""
    with _lock:
        if not _state.active:
            return
        for name, early in _finder.stocks.items():
            sys.modules.setdefault(name, early)  # imported while the swap was pending
        _finder.detach()
        for ns, attr, old, new in reversed(_state.rebound):
            try:
                if getattr(ns, attr) is new:
                    setattr(ns, attr, old)
            except (AttributeError, TypeError):
                pass
        seen = _state.seen

        def policy(name: str) -> int:
            if _is_stdlib(name):
                return _ALL
            return _NONE if name in seen else _MODULES

        # The stock modules go back into sys.modules, in _SWAPS order, so
        # that a lazy swap's stock module, imported now for the modules that
        # took the replacement meanwhile, imports the stock ones before it.
        pairs: dict[str, tuple[types.ModuleType | None, types.ModuleType]] = {}
        for name, (held, new) in _state.modules.items():
            stock = held if held is not None else _import_stock(name, new)
            pairs[name] = (stock, new)
            if sys.modules.get(name) is new:
                if stock is not None:
                    sys.modules[name] = stock
                else:
                    del sys.modules[name]
        mapping = _mapping((new, stock) for stock, new in pairs.values())
        for _ in _rebind(mapping, policy):
            pass
        _state.reset()


class _Finder:
    """A meta path finder for the lazy swaps not taken yet: the first
    ``import selectors`` after install() gets ``rselect.selectors``, which
    keeps its own name and ``__spec__`` (only ``sys.modules`` maps the stdlib
    name to it)."""

    def __init__(self) -> None:
        self.pending: dict[str, Callable[[], types.ModuleType]] = {}
        self.specs: dict[str, Any] = {}
        # stock modules imported (by stock_module()) before the swap was taken
        self.stocks: dict[str, types.ModuleType] = {}

    def attach(self) -> None:
        if self.pending and self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def detach(self) -> None:
        self.pending.clear()
        self.stocks.clear()
        while self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.pending:
            return None
        # ModuleSpec, without importing importlib.machinery at start-up.
        return type(sys.__spec__)(name, self)  # type: ignore[arg-type]

    def create_module(self, spec: Any) -> types.ModuleType:
        with _lock:
            load = self.pending.pop(spec.name)
            module = load()
            self.specs[spec.name] = module.__spec__
            _state.modules[spec.name] = (self.stocks.pop(spec.name, None), module)
            if not self.pending:
                self.detach()
            return module

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system gave it the stdlib name's spec: put back its own.
        spec = module.__spec__
        own = self.specs.pop(spec.name, None) if spec is not None else None
        if own is not None:
            module.__spec__ = own


_finder = _Finder()


def stock_module(name: str = "select") -> types.ModuleType | None:
    """The stdlib module that rselect replaces as ``name`` (None if the
    interpreter has none), whether rselect is installed or not."""
    with _lock:
        if name in _state.modules:
            return _state.modules[name][0]
        for swapped, load, _lazy in _SWAPS:
            if swapped == name:
                return _import_stock(name, load())
    raise KeyError(name)


# What _rebind may replace in a module: nothing, module objects only, or
# module objects and the functions and types taken from them.
_NONE, _MODULES, _ALL = 0, 1, 2


def _import_stock(name: str, replacement: types.ModuleType) -> types.ModuleType | None:
    """The stock module ``name``, imported if need be (and then left in
    sys.modules, as ``import`` would leave it)."""
    current = sys.modules.get(name)
    if current is not None and current is not replacement:
        return current
    # Past the replacement: neither the lazy finder nor a replacement already
    # in sys.modules (put there by install() or by hand) answers for it.
    load = _finder.pending.pop(name, None)
    if current is not None:
        del sys.modules[name]
    # The stock modules of the other swaps, for the imports it makes (the
    # stock selectors must take the stock select).
    others = {
        other: sys.modules.get(other)
        for other, (stock, _new) in _state.modules.items()
        if other != name and stock is not None
    }
    for other in others:
        sys.modules[other] = _state.modules[other][0]  # type: ignore[assignment]
    try:
        stock = __import__(name)  # top-level stdlib modules only
        if load is not None:
            # A lazy swap not taken yet: the next `import` must still reach
            # the finder, which will pair the replacement with this module.
            del sys.modules[name]
            _finder.stocks[name] = stock
        return stock
    except ImportError:
        return None
    finally:
        for other, held in others.items():
            if held is None:
                sys.modules.pop(other, None)
            else:
                sys.modules[other] = held
        if current is not None:
            sys.modules[name] = replacement
        if load is not None:
            _finder.pending[name] = load


def _mapping(
    pairs: Iterable[tuple[types.ModuleType | None, types.ModuleType | None]],
) -> dict[int, tuple[Any, Any, bool]]:
    """id(old) -> (old, new, is_module) for each module pair and its public callables."""
    mapping: dict[int, tuple[Any, Any, bool]] = {}
    for old, new in pairs:
        if old is None or old is new:
            continue
        mapping[id(old)] = (old, new, True)
        for attr, value in vars(old).items():
            if attr.startswith("__") or isinstance(value, _IMMUTABLE):
                continue
            replacement = getattr(new, attr, None)
            if replacement is None or replacement is value or id(value) in mapping:
                # (A module one swapped module imports from another, as
                # selectors' `select`, keeps its entry as a swapped module.)
                continue
            mapping[id(value)] = (value, replacement, isinstance(value, types.ModuleType))
    return mapping


def _is_stdlib(name: str) -> bool:
    return name.partition(".")[0] in sys.stdlib_module_names


def _rebind(
    mapping: dict[int, tuple[Any, Any, bool]], policy: Callable[[str], int]
) -> Iterator[tuple[Any, str, Any, Any]]:
    """Replace, by identity, what ``mapping`` names in module globals and in the
    attributes of the classes those modules define; yield each change made."""
    swapped = {id(m) for old, new, is_module in mapping.values() if is_module for m in (old, new)}
    for name, module in list(sys.modules.items()):
        if (
            name == "rselect"
            or name.startswith("rselect.")
            or not isinstance(module, types.ModuleType)
        ):
            continue
        level = policy(name)
        if level == _NONE:
            continue
        try:
            namespace = vars(module)
        except TypeError:
            continue
        if id(module) in swapped:
            continue  # one of the swapped modules itself
        for attr, value in list(namespace.items()):
            hit = mapping.get(id(value))
            if hit is not None and hit[0] is value and (hit[2] or level == _ALL):
                namespace[attr] = hit[1]
                yield module, attr, value, hit[1]
            elif level == _ALL and isinstance(value, type) and _defined_in(value, name):
                yield from _rebind_class(value, mapping)


def _defined_in(cls: type, module_name: str) -> bool:
    try:
        return cls.__dict__.get("__module__") == module_name
    except Exception:
        return False


def _rebind_class(
    cls: type, mapping: dict[int, tuple[Any, Any, bool]]
) -> Iterator[tuple[Any, str, Any, Any]]:
    for attr, value in list(vars(cls).items()):
        hit = mapping.get(id(value))
        if hit is not None and hit[0] is value:
            try:
                setattr(cls, attr, hit[1])
            except Exception:
                continue  # a built-in, frozen or guarded class: leave it alone
            yield cls, attr, value, hit[1]
