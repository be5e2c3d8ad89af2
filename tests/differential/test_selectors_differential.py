"""rselect.selectors against the stdlib's selectors, driven side by side.

The stock module is the interpreter's own ``selectors`` over the stock
``select``; ``rselect.selectors`` is the drop-in whose bookkeeping and event
loops run in Rust. A hypothesis state machine per selector class holds one
selector of each and applies every operation to both, over the very same real
descriptors and the very same file objects, data and event values, then
compares the outcomes structurally: a ``SelectorKey`` as (file object, fd,
events, data), the file object and the data by identity, numbers with their
type; an exception by type, message, errno and how it was chained (``raise
... from None`` sets ``__suppress_context__``). After each operation it also
compares which stored key objects were kept and which were replaced, and the
whole state (``_fd_to_key`` in order, the mapping, ``_readers``/``_writers``).

Descriptor numbers come from tests.support.fds.Pool: each pool slot owns two
fixed numbers high in the table (``dup2``), so that a closed end stays a closed
number until its slot is reopened, with the same number (a reused descriptor
number), and the epoll objects, which take the lowest free numbers, never land
on a number a rule refers to. Socket and file objects borrow the pool's
numbers: when the pool closes a number, the objects borrowing it are detached
(sockets) or closed (``FileIO(closefd=False)``), as they would be closed in a
program; closing such an object is also a rule of its own.

poll() and select() results are compared as exact lists (registration order,
and the order of ``frozenset(r) | frozenset(w)``); epoll results sorted.
"""

from __future__ import annotations

import contextlib
import decimal
import enum
import errno
import fractions
import functools
import inspect
import io
import math
import os
import selectors as stock_selectors
import signal
import socket
import sys
import time
import unittest.mock

import pytest
import rselect.selectors as rsel
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.support.fds import FD_SETSIZE, NR_OPEN, Pool, is_open
from tests.support.hostile import EqualToAll, Fileno, FilenoRaises, IntSub, RaisingEq
from tests.support.modes import examples
from tests.support.oracle import outcome, stock

# At test time rselect is not installed over the stdlib: `selectors` is the
# stock module, on the stock `select`.
assert stock_selectors.select is stock, "the stdlib's selectors must use the stock select"
assert rsel is not stock_selectors

pytestmark = pytest.mark.skipif(not hasattr(stock, "epoll"), reason="Linux: poll and epoll")

CLASS_NAMES = [
    name
    for name in ("SelectSelector", "PollSelector", "EpollSelector")
    if hasattr(stock_selectors, name) and hasattr(rsel, name)
]
MODULES = (stock_selectors, rsel)
EVENT_READ = stock_selectors.EVENT_READ
EVENT_WRITE = stock_selectors.EVENT_WRITE

N_SLOTS = 3
STEPS = 30


def _lifted(fd) -> bool:
    """A number that rselect's select() takes and the stock one refuses.

    A documented difference (README, "Differences from the stdlib"): on Linux
    rselect's select() takes descriptors from FD_SETSIZE up to the kernel's
    fs.nr_open, where the stock one raises "filedescriptor out of range".
    """
    return isinstance(fd, int) and FD_SETSIZE <= fd < NR_OPEN


# -- objects given to the selectors ----------------------------------------------------


class Ev(enum.IntFlag):
    READ = 1
    WRITE = 2


NAN = float("nan")
# Data objects, compared by identity. 1, 1.0 and True are equal to each other;
# NAN is unequal to itself; RaisingEq raises on comparison.
DATA = [None, 0, 1, 1.0, True, "a", NAN, RaisingEq(), EqualToAll(), ()]
data_index = st.integers(0, len(DATA) - 1)

VALID_EVENTS = [EVENT_READ, EVENT_WRITE, EVENT_READ | EVENT_WRITE]
ANY_EVENTS = [
    *VALID_EVENTS,
    0,
    4,
    5,
    8,
    -1,
    True,
    False,
    Ev.READ,
    Ev.WRITE,
    Ev.READ | Ev.WRITE,
    1.0,
    1.5,
    "1",
    "",
    None,
    2**64,
    -(2**64),
]
valid_events = st.sampled_from(VALID_EVENTS)
any_events = st.sampled_from(ANY_EVENTS)


# -- the descriptor pool ---------------------------------------------------------------


slots = st.integers(0, N_SLOTS - 1)
ends = st.integers(0, 1)

# File object recipes: built once and the same object given to both selectors.
FD_KINDS = ["int", "int", "fdint", "fileno", "fileno_new", "sock", "file"]
FD_KINDS += ["fileno_str", "fileno_bytes", "fileno_float"]
valid_fileobj = st.tuples(st.sampled_from(["int", "fileno", "sock", "file"]), slots, ends)
fileobj_recipe = st.one_of(
    st.tuples(st.sampled_from(FD_KINDS), slots, ends),
    valid_fileobj,
    st.tuples(st.just("seen"), st.integers(0, 63)),
    st.sampled_from(
        [
            ("const", -1),
            ("const", -(2**31)),
            ("const", 10**6),
            ("const", 2**31),
            ("const", 2**64),
            ("const", "x"),
            ("const", None),
            ("const", 1.5),
            ("fileno_value", -1),
            ("fileno_value", -5),
            ("fileno_value", "x"),
            ("fileno_value", None),
            ("fileno_value", 10**6),
            ("fileno_value", 2**64),
            ("raises", ValueError),
            ("raises", TypeError),
            ("raises", AttributeError),
            ("raises", ZeroDivisionError),
            ("no_fileno",),
        ]
    ),
)
POOL_ACTIONS = ["write", "write", "fill", "drain", "drain", "close", "shut_wr"]


def _plain(value) -> bool:
    return type(value) in (int, float, str, bytes, bool, type(None))


def _usable(obj, kind: str, fd: int) -> bool:
    """Whether a cached wrapper still stands for the open number `fd`."""
    if obj is None:
        return False
    if kind == "fileno":
        return not obj.closed
    try:
        return obj.fileno() == fd
    except ValueError:  # a closed FileIO
        return False


# -- the state machine -----------------------------------------------------------------


class SelectorsMachine(RuleBasedStateMachine):
    """One stock and one rselect selector of class ``NAME``, side by side."""

    NAME = "SelectSelector"

    def __init__(self):
        super().__init__()
        self.pool = Pool(["socketpair", "pipe", "socketpair"], margin=40)
        self.stock = getattr(stock_selectors, self.NAME)()
        self.ours = getattr(rsel, self.NAME)()
        self.known: list = []  # every non-plain object given as a file object
        self.known_ids: dict[int, int] = {}
        self.cache: dict[tuple, object] = {}  # reusable wrappers, by (kind, fd)

    # -- building and normalising --

    def note(self, obj):
        if not _plain(obj) and id(obj) not in self.known_ids:
            self.known_ids[id(obj)] = len(self.known)
            self.known.append(obj)
        return obj

    def build(self, recipe):
        kind = recipe[0]
        if kind == "seen":
            if not self.known:
                return self.pool.fd(0, 0)
            return self.known[recipe[1] % len(self.known)]
        if kind == "const":
            return recipe[1]
        if kind == "fileno_value":
            return self.note(Fileno(recipe[1]))
        if kind == "raises":
            return self.note(FilenoRaises(recipe[1]))
        if kind == "no_fileno":
            return self.note(object())
        slot, end = recipe[1], recipe[2]
        fd = self.pool.fd(slot, end)
        if kind == "int":
            return fd
        if kind == "fdint":
            return self.note(IntSub(fd))
        if kind == "fileno_new":
            return self.note(Fileno(fd))
        if kind == "fileno_str":
            return self.note(Fileno(str(fd)))
        if kind == "fileno_bytes":
            return self.note(Fileno(str(fd).encode()))
        if kind == "fileno_float":
            return self.note(Fileno(fd + 0.5))
        cached = self.cache.get((kind, fd))
        if not _usable(cached, kind, fd):
            if kind == "fileno":
                cached = Fileno(fd)
            elif kind == "sock":
                cached = self.pool.borrow_socket(slot, end) or self.pool.borrow_file(slot, end)
            else:
                cached = self.pool.borrow_file(slot, end)
            if cached is None:  # a closed number: a wrapper still names it
                return self.note(Fileno(fd))
            self.cache[(kind, fd)] = cached
        return self.note(cached)

    def obj(self, value):
        if _plain(value):
            return ("value", type(value).__name__, repr(value))
        index = self.known_ids.get(id(value))
        if index is not None and self.known[index] is value:
            return ("object", index)
        for i, d in enumerate(DATA):
            if value is d:
                return ("data", i)
        return ("other", type(value).__name__, repr(value))

    @staticmethod
    def num(value):
        return (type(value).__name__, repr(value))

    @staticmethod
    def dat(value):
        for i, d in enumerate(DATA):
            if value is d:
                return ("data", i)
        return ("other", type(value).__name__, repr(value))

    def norm(self, value, mod):
        if isinstance(value, (stock_selectors.SelectorKey, rsel.SelectorKey)):
            return (
                "key",
                type(value) is mod.SelectorKey,
                self.obj(value.fileobj),
                self.num(value.fd),
                self.num(value.events),
                self.dat(value.data),
            )
        if isinstance(value, list):
            return [self.norm(v, mod) for v in value]
        if type(value) is tuple:
            return tuple(self.norm(v, mod) for v in value)
        if isinstance(value, (int, float)):
            return self.num(value)
        if isinstance(value, mod._SelectorMapping):
            return (
                "mapping",
                value._selector is (self.stock if mod is stock_selectors else self.ours),
            )
        return self.obj(value)

    def run(self, sel, mod, call, sort):
        before = dict(sel._fd_to_key)
        result = outcome(lambda: call(sel), chaining=True)
        if result[0] == "ok":
            value = result[1]
            normed = self.norm(value, mod)
            if sort and isinstance(normed, list):
                normed.sort(key=repr)
            # Which stored key, if any, was returned.
            returned = [i for i, key in enumerate(before.values()) if key is value]
            result = ("ok", normed, returned, result[-1])
        after = sel._fd_to_key
        kept = [(self.num(fd), after.get(fd) is key) for fd, key in before.items()]
        return result, kept

    def both(self, call, sort=False):
        want = self.run(self.stock, stock_selectors, call, sort)
        got = self.run(self.ours, rsel, call, sort)
        assert got == want
        return want[0]

    # -- rules: registrations --

    @initialize(regs=st.lists(st.tuples(valid_fileobj, valid_events, data_index), max_size=4))
    def start(self, regs):
        for fileobj, events, data in regs:
            self.register(fileobj, events, data)

    @rule(fileobj=fileobj_recipe, events=any_events, data=data_index)
    def register(self, fileobj, events, data):
        obj = self.build(fileobj)
        self.both(lambda s: s.register(obj, events, DATA[data]))

    @rule(fileobj=valid_fileobj, events=valid_events, data=data_index)
    def register_valid(self, fileobj, events, data):
        self.register(fileobj, events, data)

    @rule(fileobj=fileobj_recipe)
    def unregister(self, fileobj):
        obj = self.build(fileobj)
        self.both(lambda s: s.unregister(obj))

    @rule(pick=st.integers(0, 7), by_fd=st.booleans())
    def unregister_registered(self, pick, by_fd):
        """A registered file object (maybe closed since), or its number."""
        keys = list(self.stock._fd_to_key.values())
        if keys:
            key = keys[pick % len(keys)]
            target = key.fd if by_fd else key.fileobj
            self.both(lambda s: s.unregister(target))

    @rule(fileobj=fileobj_recipe, events=any_events, data=data_index)
    def modify(self, fileobj, events, data):
        obj = self.build(fileobj)
        self.both(lambda s: s.modify(obj, events, DATA[data]))

    @rule(
        pick=st.integers(0, 7),
        by_fd=st.booleans(),
        events=st.sampled_from(["same", "int", "bool", "flag", "float", "other", "any"]),
        any_value=any_events,
        data=data_index,
    )
    def modify_registered(self, pick, by_fd, events, any_value, data):
        """modify() of a registered file object: often data only, with events
        equal to the registered ones but maybe of another type; or any events
        (poll and epoll selectors take even 0, 4 or -1 there)."""
        keys = list(self.stock._fd_to_key.values())
        if not keys:
            return
        index = pick % len(keys)
        old = keys[index]
        target = old.fd if by_fd else old.fileobj
        new_events = old.events
        with contextlib.suppress(Exception):
            if events == "int":
                new_events = int(old.events)
            elif events == "bool" and old.events == 1:
                new_events = True
            elif events == "flag" and Ev(old.events) == old.events:
                new_events = Ev(old.events)
            elif events == "float":
                new_events = float(old.events)
            elif events == "other":
                new_events = {1: 2, 2: 3, 3: 1}.get(old.events, 1)
            elif events == "any":
                new_events = any_value
        olds = [list(sel._fd_to_key.values())[index] for sel in (self.stock, self.ours)]
        result = self.both(lambda s: s.modify(target, new_events, DATA[data]))
        if result[0] == "ok" and (new_events == old.events) is True:
            # Data only: the key is replaced (same file object and descriptor,
            # new data) exactly when the data differ, as `!=` says.
            changed = DATA[data] != old.data
            for sel, old_key in zip((self.stock, self.ours), olds, strict=True):
                key = sel._fd_to_key[old_key.fd]
                assert (key is not old_key) == changed
                assert key.fileobj is old_key.fileobj
                assert key.fd is old_key.fd
                assert key.data is (DATA[data] if changed else old_key.data)

    # -- rules: lookups --

    @rule(fileobj=fileobj_recipe)
    def get_key(self, fileobj):
        obj = self.build(fileobj)
        self.both(lambda s: s.get_key(obj))

    @rule(
        fileobj=fileobj_recipe,
        op=st.sampled_from(["in", "getitem", "get", "get_default", "len", "iter", "items"]),
        default=data_index,
    )
    def mapping(self, fileobj, op, default):
        obj = self.build(fileobj)

        def call(s):
            m = s.get_map()
            if op == "in":
                return obj in m
            if op == "getitem":
                return m[obj]
            if op == "get":
                return m.get(obj)
            if op == "get_default":
                return m.get(obj, DATA[default])
            if op == "len":
                return len(m)
            if op == "iter":
                return list(m)
            return list(m.items())

        self.both(call)

    @rule(fileobj=fileobj_recipe)
    def key_from_fd(self, fileobj):
        """``_key_from_fd`` (up to 3.12), or its absence (3.13)."""
        obj = self.build(fileobj)
        self.both(lambda s: s._key_from_fd(obj))

    @rule()
    def fileno(self):
        self.both(lambda s: (type(s.fileno()), s.fileno() == s._selector.fileno()))

    # -- rules: selecting --

    @rule(timeout=st.sampled_from([0, 0.0, -1, -0.5, False, 0.001]))
    def select(self, timeout):
        if self.NAME == "SelectSelector" and self.select_lifted(timeout):
            return
        result = self.both(lambda s: s.select(timeout), sort=self.NAME == "EpollSelector")
        if result[0] == "ok":
            for _key, events in result[1]:
                assert events[0] in ("int", "bool", "Ev"), events

    def select_lifted(self, timeout) -> bool:
        """SelectSelector with numbers from 1024 up registered (the documented
        difference): stock raises "out of range"; rselect's answer for the other
        numbers is stock's answer without the high ones."""
        readers, writers = self.stock._readers, self.stock._writers
        if not any(map(_lifted, readers | writers)):
            return False
        refused = outcome(lambda: self.stock.select(timeout))
        self.stock._readers = {fd for fd in readers if not _lifted(fd)}
        self.stock._writers = {fd for fd in writers if not _lifted(fd)}
        try:
            want = self.run(self.stock, stock_selectors, lambda s: s.select(timeout), False)
        finally:
            self.stock._readers, self.stock._writers = readers, writers
        # The first bad number in set order decides: "out of range", or
        # (2**64 also registered) the error stock gives without the high ones.
        assert refused[:3] == ("raise", ValueError, "filedescriptor out of range in select()") or (
            refused[:2] == want[0][:2] == ("raise", OverflowError)
        ), (refused, want)

        def low(s):
            return [(key, ev) for key, ev in s.select(timeout) if not _lifted(key.fd)]

        got = self.run(self.ours, rsel, low, False)
        assert got == want
        return True

    # -- rules: the descriptors and the file objects --

    @rule(slot=slots, end=ends, action=st.sampled_from(POOL_ACTIONS))
    def change(self, slot, end, action):
        self.pool.act(action, slot, end)

    @rule(slot=slots, kind=st.sampled_from(["pipe", "socketpair"]))
    def reopen(self, slot, kind):
        """The slot's numbers now name new files (reused descriptor numbers)."""
        self.pool.reopen(slot, kind)

    @rule(pick=st.integers(0, 63))
    def close_object(self, pick):
        """Close a file object given before (a socket closes its number too)."""
        closable = [o for o in self.known if isinstance(o, (socket.socket, io.FileIO, Fileno))]
        if not closable:
            return
        obj = closable[pick % len(closable)]
        if isinstance(obj, Fileno):
            obj.closed = True
        else:
            self.pool.close_borrower(obj)

    @rule(go=st.integers(0, 4))
    def close_selector(self, go):
        """close(); the rules go on on the closed selectors (1 in 5 picks)."""
        if go == 0:
            self.both(lambda s: s.close())
            self.both(lambda s: s.get_key(self.pool.fd(0, 0)))
            self.both(lambda s: s.get_map())

    # -- the whole state, after every step --

    @invariant()
    def same_state(self):
        def state(s, mod):
            m = s.get_map()
            mapping = None
            if m is not None:
                mapping = (len(m), [self.num(fd) for fd in m], [self.norm(m[fd], mod) for fd in m])
            out = [self.norm(list(s._fd_to_key.items()), mod), mapping]
            if isinstance(s, mod.SelectSelector):
                out.append(sorted(map(self.num, s._readers)))
                out.append(sorted(map(self.num, s._writers)))
            return out

        assert state(self.ours, rsel) == state(self.stock, stock_selectors)

    def teardown(self):
        for sel in (self.stock, self.ours):
            with contextlib.suppress(Exception):
                sel.close()
        self.pool.close_all()


MACHINES = {
    name: type(f"{name}Machine", (SelectorsMachine,), {"NAME": name}) for name in CLASS_NAMES
}


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_selectors_stateful(name):
    run_state_machine_as_test(
        MACHINES[name],
        settings=settings(max_examples=examples(500), stateful_step_count=STEPS, database=None),
    )


# -- plain tests -----------------------------------------------------------------------


def chained(call) -> tuple:
    """The outcome of ``call`` with how its exception was chained."""
    return outcome(call, chaining=True)


def test_module_surface_and_per_version_details():
    names = ["EVENT_READ", "EVENT_WRITE", "SelectorKey", "BaseSelector", "DefaultSelector"]
    names += ["_SelectorMapping", "_BaseSelectorImpl", "_PollLikeSelector", "_fileobj_to_fd"]
    for name in names + CLASS_NAMES:
        assert hasattr(rsel, name), name
    assert (rsel.EVENT_READ, rsel.EVENT_WRITE) == (EVENT_READ, EVENT_WRITE)
    # `_SelectorMapping.get` of its own from 3.13; `_key_from_fd` up to 3.12.
    assert ("get" in vars(rsel._SelectorMapping)) == (
        "get" in vars(stock_selectors._SelectorMapping)
    )
    assert hasattr(rsel._BaseSelectorImpl, "_key_from_fd") == hasattr(
        stock_selectors._BaseSelectorImpl, "_key_from_fd"
    )
    assert rsel.BaseSelector.__abstractmethods__ == stock_selectors.BaseSelector.__abstractmethods__
    for cls_name in ["BaseSelector", "_BaseSelectorImpl", *CLASS_NAMES]:
        ours, theirs = getattr(rsel, cls_name), getattr(stock_selectors, cls_name)
        assert (ours.__module__, ours.__qualname__) == (theirs.__module__, theirs.__qualname__)
        assert [c.__name__ for c in ours.__mro__] == [c.__name__ for c in theirs.__mro__]
        for meth in ["register", "unregister", "modify", "select", "close", "get_key", "get_map"]:
            assert inspect.signature(getattr(ours, meth)) == inspect.signature(
                getattr(theirs, meth)
            ), (cls_name, meth)
    for cls_name in ("PollSelector", "EpollSelector"):
        ours, theirs = getattr(rsel, cls_name), getattr(stock_selectors, cls_name)
        assert (ours._EVENT_READ, ours._EVENT_WRITE) == (theirs._EVENT_READ, theirs._EVENT_WRITE)
        assert ours._selector_cls.__name__ == theirs._selector_cls.__name__


def test_selector_key_type(pipe):
    r, _ = pipe
    keys = []
    for mod in MODULES:
        with mod.SelectSelector() as sel:
            keys.append(sel.register(r, EVENT_READ, "d"))
    theirs, ours = keys
    K = type(ours)
    assert K is rsel.SelectorKey
    assert K.__module__ == "selectors" == type(theirs).__module__
    assert K.__qualname__ == "SelectorKey"
    assert K._fields == type(theirs)._fields == ("fileobj", "fd", "events", "data")
    assert K.__doc__ and K.__doc__.startswith("SelectorKey(fileobj, fd, events, data)")
    for field in K._fields:
        assert getattr(K, field).__doc__ == getattr(type(theirs), field).__doc__, field
    assert K.__match_args__ == type(theirs).__match_args__
    assert K._field_defaults == type(theirs)._field_defaults == {}
    assert isinstance(ours, tuple)
    assert (ours.fileobj, ours.fd, ours.events, ours.data) == (r, r, EVENT_READ, "d")
    assert ours == (r, r, EVENT_READ, "d") == theirs
    assert hash(ours) == hash(theirs)
    fileobj, fd, events, data = ours
    assert (fileobj, fd, events, data) == tuple(theirs)
    assert repr(ours) == repr(theirs) == f"SelectorKey(fileobj={r}, fd={r}, events=1, data='d')"
    replaced = ours._replace(data=5)
    assert type(replaced) is K and replaced == (r, r, EVENT_READ, 5)
    assert ours._asdict() == theirs._asdict()
    made = rsel.SelectorKey(1, 2, 3, 4)
    assert type(made) is K and made == stock_selectors.SelectorKey(1, 2, 3, 4)
    assert (
        outcome(lambda: rsel.SelectorKey(1, 2, 3))[:3]
        == outcome(lambda: stock_selectors.SelectorKey(1, 2, 3))[:3]
    )


@pytest.mark.parametrize(
    "fileobj",
    [
        5,
        0,
        -1,
        True,
        IntSub(7),
        2**64,
        1.5,
        "3",
        None,
        Fileno(5),
        Fileno("5"),
        Fileno(5.9),
        Fileno(-3),
        Fileno("x"),
        Fileno(None),
        FilenoRaises(ValueError),
        FilenoRaises(TypeError),
        FilenoRaises(AttributeError),
        FilenoRaises(ZeroDivisionError),
        object(),
    ],
    ids=repr,
)
def test_fileobj_to_fd(fileobj):
    want = chained(lambda: stock_selectors._fileobj_to_fd(fileobj))
    got = chained(lambda: rsel._fileobj_to_fd(fileobj))
    assert got == want
    if got[0] == "ok":
        assert type(got[1]) is type(want[1])


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_isinstance_base_selector(name):
    sel = getattr(rsel, name)()
    try:
        assert isinstance(sel, rsel.BaseSelector)
        assert isinstance(sel, rsel._BaseSelectorImpl)
        assert issubclass(getattr(rsel, name), rsel.BaseSelector)
    finally:
        sel.close()


def _user_selector(mod, complete: bool):
    class UserSelector(mod.BaseSelector):
        def __init__(self):
            self.keys = {}

        def register(self, fileobj, events, data=None):
            key = mod.SelectorKey(fileobj, fileobj, events, data)
            self.keys[fileobj] = key
            return key

        def unregister(self, fileobj):
            return self.keys.pop(fileobj)

        if complete:

            def select(self, timeout=None):
                return [(key, key.events) for key in self.keys.values()]

            def get_map(self):
                return self.keys

    return UserSelector


def test_user_subclass_of_base_selector():
    results = []
    for mod in MODULES:
        cls = _user_selector(mod, complete=True)
        with cls() as sel:
            steps = [
                chained(lambda: sel.register(10, EVENT_READ, "a")),
                chained(lambda: sel.get_key(10)),
                chained(lambda: sel.get_key(11)),
                chained(lambda: sel.modify(10, EVENT_WRITE, "b")),  # unregister + register
                chained(lambda: sel.select(0)),
                chained(lambda: sel.modify(11, EVENT_WRITE)),
            ]
            sel.keys = None
            steps.append(chained(lambda: sel.get_key(10)))  # RuntimeError('Selector is closed')
        results.append(steps)
        assert isinstance(sel, mod.BaseSelector)
    assert results[1] == results[0]
    assert results[0][6][:3] == ("raise", RuntimeError, "Selector is closed")

    # Missing abstract methods: TypeError, with the same message.
    messages = []
    for mod in MODULES:
        cls = _user_selector(mod, complete=False)
        messages.append(outcome(cls))
    assert messages[0][:2] == ("raise", TypeError)
    assert messages[1] == messages[0]


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_subclass_fileobj_lookup_override(name, pipe):
    """A subclass's ``_fileobj_lookup`` is the one register(), get_key(),
    modify() and unregister() use in the stdlib (they all go through
    ``self._fileobj_lookup``), also on modify()'s failure path."""
    r, w = pipe
    results = []
    for mod in MODULES:
        calls = []

        class Named(getattr(mod, name)):
            def _fileobj_lookup(self, fileobj, calls=calls):
                calls.append(fileobj)
                if isinstance(fileobj, str):
                    return int(fileobj)
                return super()._fileobj_lookup(fileobj)

        with Named() as sel:
            text = str(r)
            steps = [
                chained(functools.partial(sel.register, text, EVENT_READ)),
                chained(functools.partial(sel.register, r, EVENT_READ)),
                chained(functools.partial(sel.get_key, text)),
                chained(functools.partial(sel.get_map().__getitem__, text)),
                chained(functools.partial(sel.modify, text, EVENT_READ, "d")),
                chained(functools.partial(sel.modify, text, EVENT_READ | EVENT_WRITE, "e")),
                chained(functools.partial(sel.unregister, text)),
                chained(functools.partial(len, sel.get_map())),
                chained(functools.partial(sel.register, str(w), EVENT_WRITE)),
            ]
            if hasattr(sel, "_selector"):
                # modify() that the poller refuses unregisters the file object
                # through the override (bpo-30014).
                sel._selector = _RefusingPoller()
                steps.append(chained(functools.partial(sel.modify, str(w), EVENT_READ)))
                steps.append(chained(functools.partial(len, sel.get_map())))
        results.append((steps, calls))
    assert results[1] == results[0]
    assert len(results[0][1]) >= 8


def test_lookup_override_set_on_the_class_later(pipe):
    """rselect remembers that a class does not override ``_fileobj_lookup``;
    assigning one to the class (or to a base) afterwards must still be seen
    at the next call, as the stdlib sees it."""
    r, w = pipe
    results = []
    for mod in MODULES:

        class Plain(mod.EpollSelector):
            pass

        def by_name(self, fileobj, _base=mod.EpollSelector._fileobj_lookup):
            return int(fileobj) if isinstance(fileobj, str) else _base(self, fileobj)

        with Plain() as sel:
            steps = [chained(functools.partial(sel.register, r, EVENT_READ))]
            steps.append(chained(functools.partial(sel.get_key, str(r))))
            Plain._fileobj_lookup = by_name
            steps.append(chained(functools.partial(sel.get_key, str(r))))
            steps.append(chained(functools.partial(sel.register, str(w), EVENT_WRITE)))
            del Plain._fileobj_lookup
            steps.append(chained(functools.partial(sel.unregister, str(w))))
        results.append(steps)
    assert results[1] == results[0]
    assert [step[0] for step in results[0]] == ["ok", "raise", "ok", "ok", "raise"]


@pytest.mark.parametrize("name", ["PollSelector", "EpollSelector"])
def test_subclass_event_masks(name, socketpair):
    """The poller's masks are the class's ``_EVENT_READ``/``_EVENT_WRITE``
    (register, modify and the translation in select()); rselect remembers
    them per class, so a change of the class attribute after use must show
    at the next call."""
    a, _ = socketpair  # writable, not readable
    results = []
    for mod in MODULES:
        base = getattr(mod, name)

        class Swapped(base):
            _EVENT_READ = base._EVENT_WRITE
            _EVENT_WRITE = base._EVENT_READ

        steps = []
        with Swapped() as sel:
            sel.register(a, EVENT_READ, "r")  # the poller watches for writable
            steps.append([(k.data, ev) for k, ev in sel.select(0)])
            sel.modify(a, EVENT_WRITE, "w")  # ... and now for readable
            steps.append([(k.data, ev) for k, ev in sel.select(0)])
            Swapped._EVENT_READ = base._EVENT_READ
            Swapped._EVENT_WRITE = base._EVENT_WRITE
            sel.modify(a, EVENT_WRITE | EVENT_READ, "rw")
            steps.append([(k.data, ev) for k, ev in sel.select(0)])
        results.append(steps)
    assert results[1] == results[0]
    # EpollSelector.select() translates with the EPOLLIN/EPOLLOUT constants,
    # PollSelector's with the class's masks.
    first = EVENT_READ if name == "PollSelector" else 0
    assert results[0] == [[("r", first)], [], [("rw", EVENT_WRITE)]]


class _RefusingPoller:
    """A poller whose modify() fails: the stdlib then unregisters the object."""

    def modify(self, fd, mask):
        raise OSError(errno.EBADF, "refused")

    def unregister(self, fd):
        pass

    def close(self):
        pass


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="3.13 has no _key_from_fd")
@pytest.mark.parametrize("name", CLASS_NAMES)
def test_subclass_key_from_fd_override(name, socketpair):
    """Up to 3.12 the stdlib's select() finds each key through
    ``self._key_from_fd(fd)``: a subclass's override decides what is
    reported (here: only every other call answers, and with a key of its own
    making, falsy or not)."""
    a, b = socketpair
    b.send(b"x")
    results = []
    for mod in MODULES:
        seen = []

        class Filtered(getattr(mod, name)):
            def _key_from_fd(self, fd, seen=seen):
                seen.append(fd)
                key = super()._key_from_fd(fd)
                if fd == a.fileno():
                    return key._replace(data="replaced")
                return None

        with Filtered() as sel:
            sel.register(a, EVENT_READ | EVENT_WRITE, "a")
            sel.register(b, EVENT_WRITE, "b")
            ready = sorted(
                ((key.fd, key.data, events) for key, events in sel.select(0)),
                key=repr,
            )
        results.append((ready, sorted(seen)))
    assert results[1] == results[0]
    assert results[0][0] == [(a.fileno(), "replaced", EVENT_READ | EVENT_WRITE)]


def test_default_selector():
    assert stock_selectors.DefaultSelector.__name__ == "EpollSelector"
    assert rsel.DefaultSelector is rsel.EpollSelector
    assert rsel.DefaultSelector.__name__ == stock_selectors.DefaultSelector.__name__


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_context_manager_closes(name, socketpair):
    rd, wr = socketpair
    results = []
    for mod in MODULES:
        with getattr(mod, name)() as sel:
            assert sel.__enter__() is sel
            sel.register(rd, EVENT_READ, "d")
            sel.register(wr.fileno(), EVENT_WRITE)
        poller = getattr(sel, "_selector", None)
        results.append(
            [
                sel.get_map() is None,
                len(sel._fd_to_key),
                chained(lambda: sel.get_key(rd)),
                getattr(poller, "closed", None),
                chained(lambda: sel.unregister(rd)),
                chained(lambda: sel.modify(rd, EVENT_WRITE)),
                chained(lambda: sel.register(rd, EVENT_READ) == (rd, rd.fileno(), 1, None)),
                chained(lambda: len(sel._fd_to_key)),
                chained(lambda: [ev for _, ev in sel.select(0)]),
                chained(lambda: sel.close()),
            ]
        )
        # __exit__ does not swallow exceptions.
        with pytest.raises(KeyError), getattr(mod, name)():
            raise KeyError("inside")
    assert results[1] == results[0]
    assert results[0][:3] == [
        True,
        0,
        ("raise", RuntimeError, "Selector is closed", None, False, True, type(None), ()),
    ]


def test_epoll_selector_fileno_is_an_epoll_descriptor():
    with rsel.EpollSelector() as sel:
        fd = sel.fileno()
        assert type(fd) is int and fd == sel._selector.fileno()
        assert os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:[eventpoll]"
        assert type(sel._selector) is rsel.select.epoll
    assert outcome(sel.fileno)[:3] == ("raise", ValueError, "I/O operation on closed epoll object")


@pytest.mark.parametrize("name", ["EpollSelector", "PollSelector"])
def test_modify_unregister(name, socketpair):
    """CPython's test_modify_unregister (bpo-30014): a failing modify() unregisters."""
    rd, wr = socketpair
    records = []
    for mod in MODULES:
        cls = getattr(mod, name)
        with unittest.mock.patch.object(cls, "_selector_cls") as m:
            m.return_value.modify = unittest.mock.Mock(side_effect=ZeroDivisionError)
            m.return_value.poll.return_value = [
                (wr.fileno(), cls._EVENT_WRITE),
                (rd.fileno(), cls._EVENT_READ | cls._EVENT_WRITE),
                (12345, 1),
            ]
            s = cls()
            try:
                s.register(rd, EVENT_READ)
                s.register(wr, EVENT_WRITE | EVENT_READ, "w")
                assert len(s._map) == 2
                ready = [(tuple(k), ev) for k, ev in s.select(0)]
                ready += [(tuple(k), ev) for k, ev in s.select(1.5)]
                with pytest.raises(ZeroDivisionError):
                    s.modify(rd, EVENT_WRITE)
                assert len(s._map) == 1
                assert outcome(functools.partial(s.get_key, rd))[1] is KeyError
                # Data only: no call on the poller.
                s.modify(wr, EVENT_WRITE | EVENT_READ, "x")
            finally:
                s.close()
        calls = [(c[0], c[1], tuple(map(type, c[1]))) for c in m.return_value.method_calls]
        records.append((ready, calls, m.call_args_list))
    assert records[1] == records[0]


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_modify_data_only_shortcut(name, socketpair):
    """CPython's test_modify: a data-only modify() calls neither register() nor
    unregister(); an events change does exactly what the stdlib does."""
    rd, _ = socketpair
    records = []
    d1, d3 = object(), object()
    for mod in MODULES:
        with getattr(mod, name)() as s:
            s.register(rd, EVENT_READ, d1)
            s.register = unittest.mock.Mock()
            s.unregister = unittest.mock.Mock()
            key = s.modify(rd, EVENT_READ, d3)
            assert not s.register.called
            assert not s.unregister.called
            assert key.data is d3 and key.fileobj is rd
            assert s.get_key(rd) is key
            changed = chained(functools.partial(s.modify, rd, EVENT_WRITE, d3))
            records.append(
                (
                    s.register.call_args_list,
                    s.unregister.call_args_list,
                    changed[0],
                    type(changed[1]).__name__,
                )
            )
    assert records[1] == records[0]


@pytest.mark.parametrize("name", CLASS_NAMES)
@pytest.mark.parametrize(
    "timeout",
    ["1", b"0", 1j, [], decimal.Decimal("0.001"), fractions.Fraction(1, 1000), math.nan],
    ids=repr,
)
def test_select_timeout_rejected_or_converted_like_stock(name, timeout, pipe):
    r, _ = pipe
    results = []
    for mod in MODULES:
        with getattr(mod, name)() as s:
            s.register(r, EVENT_READ)
            results.append(outcome(lambda: s.select(timeout)))
    assert results[1] == results[0]


@pytest.mark.parametrize("name", CLASS_NAMES)
@pytest.mark.parametrize("timeout", [None, math.inf, 1e300, 2**64, 1, 0.5])
def test_select_large_timeouts_with_a_ready_descriptor(name, timeout, pipe):
    """A timeout that would block long, with something ready: no wait, same result."""
    r, w = pipe
    os.write(w, b"x")
    results = []
    for mod in MODULES:
        with getattr(mod, name)() as s:
            s.register(r, EVENT_READ, "r")
            s.register(w, EVENT_WRITE, "w")
            start = time.monotonic()
            got = outcome(lambda: s.select(timeout))
            elapsed = time.monotonic() - start
            if got[0] == "ok":
                got = ("ok", sorted((tuple(k), ev) for k, ev in got[1]), got[2])
            results.append((got, elapsed < 0.5))
    assert results[1] == results[0]


@pytest.mark.parametrize("name", CLASS_NAMES)
@pytest.mark.parametrize("timeout", [0, 0.0, -0.0, -1, -1.5, -math.inf, False, -(2**64)])
def test_select_does_not_block_for_non_positive_timeouts(name, timeout, pipe):
    r, _ = pipe
    results = []
    for mod in MODULES:
        with getattr(mod, name)() as s:
            s.register(r, EVENT_READ)
            start = time.monotonic()
            got = outcome(lambda: s.select(timeout))
            results.append((got, time.monotonic() - start < 0.5))
    assert results[0] == (("ok", [], ()), True), "stock reference changed"
    assert results[1] == results[0]


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_select_waits_at_least_the_timeout(name, pipe):
    r, _ = pipe
    results = []
    for mod in MODULES:
        with getattr(mod, name)() as s:
            s.register(r, EVENT_READ)
            for timeout in (0.05, 0.0001, 1e-9):
                start = time.monotonic()
                got = outcome(functools.partial(s.select, timeout))
                elapsed = time.monotonic() - start
                results.append((mod.__name__, timeout, got, timeout <= elapsed < timeout + 0.5))
    n = len(results) // 2
    assert [r[1:] for r in results[n:]] == [r[1:] for r in results[:n]]
    assert all(r[3] for r in results[:n]), results


def test_select_selector_above_fd_setsize_documented_difference():
    """README, "Differences from the stdlib": on Linux rselect's select() takes
    descriptors >= FD_SETSIZE; the stock SelectSelector refuses them."""
    r, w = os.pipe()
    high = 1500
    assert not is_open(high)
    os.dup2(r, high)
    try:
        os.write(w, b"x")
        results = []
        for mod in MODULES:
            with mod.SelectSelector() as s:
                s.register(high, EVENT_READ, "high")
                s.register(w, EVENT_WRITE, "w")
                results.append(outcome(functools.partial(s.select, 0)))
        assert results[0][:3] == ("raise", ValueError, "filedescriptor out of range in select()")
        assert results[1][0] == "ok"
        assert sorted((tuple(k), ev) for k, ev in results[1][1]) == [
            ((w, w, EVENT_WRITE, "w"), EVENT_WRITE),
            ((high, high, EVENT_READ, "high"), EVENT_READ),
        ]
    finally:
        for fd in (r, w, high):
            os.close(fd)


@pytest.mark.serial
@pytest.mark.parametrize("name", CLASS_NAMES)
@pytest.mark.parametrize("raising", [InterruptedError, ZeroDivisionError, None])
def test_select_when_a_signal_handler_runs(name, raising, pipe):
    """The handler raises InterruptedError: select() returns []. Another
    exception propagates. A handler that returns: select() goes on waiting
    for the rest of the timeout (PEP 475)."""
    r, _ = pipe
    timeout = 0.3 if raising is None else 2

    def handler(signum, frame):
        if raising is not None:
            raise raising("from the handler")

    old = signal.signal(signal.SIGALRM, handler)
    results = []
    try:
        for mod in MODULES:
            with getattr(mod, name)() as s:
                s.register(r, EVENT_READ)
                signal.setitimer(signal.ITIMER_REAL, 0.05)
                start = time.monotonic()
                got = outcome(lambda: s.select(timeout))
                elapsed = time.monotonic() - start
                signal.setitimer(signal.ITIMER_REAL, 0)
                waited = elapsed >= timeout if raising is None else elapsed < 1.5
                results.append((got, waited))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if raising is ZeroDivisionError:
        expected = ("raise", ZeroDivisionError, "from the handler", None, ())
    else:
        expected = ("ok", [], ())
    assert results[0] == (expected, True), "stock reference changed"
    assert results[1] == results[0]


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_select_result_types_and_order(name, socketpair):
    """Keys of the module's own class, events as ints, IntFlag & kept, poll and
    select order exact."""
    a, b = socketpair
    pipes = [os.pipe() for _ in range(3)]
    try:
        for _, w in pipes:
            os.write(w, b"x")
        results = []
        for mod in MODULES:
            with getattr(mod, name)() as s:
                s.register(a, Ev.READ | Ev.WRITE, "a")
                s.register(b.fileno(), True, "b")
                for i, (r, w) in enumerate(pipes):
                    s.register(r, EVENT_READ, i)
                    s.register(IntSub(w), EVENT_WRITE | EVENT_READ, -i)
                ready = s.select(0)
                if name == "EpollSelector":
                    ready.sort(key=lambda item: item[0].fd)
                assert all(type(k) is mod.SelectorKey for k, _ in ready)
                results.append([(tuple(k), type(k.fd), ev, type(ev)) for k, ev in ready])
        assert results[1] == results[0]
        # a (writable), the three read ends, the three write ends; not b.
        assert len(results[0]) == 7
    finally:
        for fds in pipes:
            for fd in fds:
                os.close(fd)
