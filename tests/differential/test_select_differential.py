"""select() through the stock module and rselect: same result, or same exception.

Inputs are recipes that are built twice, once for each implementation, so that
objects with side effects (a fileno() that mutates its list) act the same on
both. Results must be equal *and* hold the very same objects.
"""

from __future__ import annotations

import decimal
import errno
import math
import os
import socket
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.hostile import (
    Fileno,
    FilenoGetattr,
    FilenoNotCallable,
    FilenoRaises,
    FloatSub,
    Index,
    IndexRaises,
    IntSub,
    Mutator,
    raising_iter,
)
from tests.support.modes import examples
from tests.support.oracle import outcome, rselect, stock

# A fixed pool of descriptors, opened once: readiness never changes during
# the run because nobody reads or writes them after setup.
_R_READY, _W_READY = os.pipe()
os.write(_W_READY, b"x")
_R_EMPTY, _W_EMPTY = os.pipe()
_R_HUP, _W_HUP = os.pipe()
os.close(_W_HUP)  # the read end reports EOF (readable)
_R_GONE, _W_NOREADER = os.pipe()
os.close(_R_GONE)  # the write end reports POLLERR (readable and writable)
_sock, _peer = socket.socketpair()
_peer.close()  # the socket reports POLLHUP|POLLIN: readable, also writable
_SOCK_HUP = _sock.detach()  # a plain descriptor, like the pipes above
_CLOSED = os.dup(0)
os.close(_CLOSED)  # a number that is (very likely) not open: EBADF

# Hang-ups and errors matter because rselect asks poll(2) first on Linux, which
# reports them even where select(2) does not count them (a hang-up for wlist).
FDS = [_R_READY, _W_READY, _R_EMPTY, _W_EMPTY, _R_HUP, _W_NOREADER, _SOCK_HUP, 0, 1, 2]


class ListSub(list):
    def __iter__(self):
        return iter(list.__iter__(self))


# -- item recipes ---------------------------------------------------------------
fd_int = st.sampled_from(FDS) | st.integers(min_value=0, max_value=1023)
bad_int = st.sampled_from([-1, -5, -(2**31), 2**31, 2**31 - 1, 2**63, -(2**63) - 1, 10**30])
item = st.one_of(
    st.tuples(st.just("int"), fd_int),
    st.tuples(st.just("int"), st.just(_CLOSED)),
    st.tuples(st.just("int"), bad_int),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("bigint"), st.sampled_from(FDS)),
    st.tuples(
        st.just("fileno"),
        st.sampled_from(FDS) | bad_int | st.sampled_from(["3", 1.0, None, True, False]),
    ),
    st.tuples(st.just("fileno_bigint"), st.sampled_from(FDS)),
    st.tuples(st.just("fileno_index"), st.just(0)),
    st.tuples(
        st.just("other"),
        st.sampled_from(
            [
                "raising",
                "raising_type",
                "raising_attr",
                "getattr_only",
                "not_callable",
                "index",
                "float",
                "none",
                "str",
            ]
        ),
    ),
    st.tuples(st.just("mutator"), st.just(0)),
)
container = st.sampled_from(["list", "tuple", "gen", "listsub", "dict", "raising_iter"])
seq_arg = st.one_of(
    st.tuples(container, st.lists(item, max_size=8)),
    st.tuples(st.just("bad"), st.sampled_from([1, None, 2.5, object()])),
    st.tuples(st.just("str"), st.sampled_from(["", "ab"])),
    st.tuples(st.just("intset"), st.lists(fd_int, max_size=5)),
)
timeout = st.one_of(
    st.just(0),
    st.just(0.0),
    st.just(-0.0),
    st.just(False),
    st.floats(min_value=0, max_value=0.0005),
    st.sampled_from([1e-9, 1e-10, 5e-324]),
    st.sampled_from([-1, -1.0, -1e-10, -(2**63), -(2**63) - 1, 2**63, 2**64, 9223372037]),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e300, 9.3e9]),
    st.sampled_from(["0", b"0", decimal.Decimal(0), 1j, [], object()]),
    st.sampled_from(["index0", "index_raises", "floatsub0", "bigint0", "index_huge"]),
)


def build_item(recipe, lists):
    kind, v = recipe
    if kind in ("int", "bool"):
        return v
    if kind == "bigint":
        return IntSub(v)
    if kind == "fileno":
        return Fileno(v)
    if kind == "fileno_bigint":
        return Fileno(IntSub(v))
    if kind == "fileno_index":
        return Fileno(Index(1))
    if kind == "mutator":
        m = Mutator(_W_READY)
        lists.append(m)
        return m
    return {
        "raising": lambda: FilenoRaises(ValueError, "fileno failed"),
        "raising_type": lambda: FilenoRaises(TypeError, "inner type error"),
        # fileno() exists but raises AttributeError: that error, not the TypeError
        "raising_attr": lambda: FilenoRaises(AttributeError, "inner attribute error"),
        "getattr_only": lambda: FilenoGetattr(_W_READY),
        "not_callable": FilenoNotCallable,
        "index": lambda: Index(1),
        "float": lambda: 1.0,
        "none": lambda: None,
        "str": lambda: "x",
    }[v]()


def build_seq(recipe):
    kind, payload = recipe
    if kind == "bad" or kind == "str":
        return payload, []
    if kind == "intset":
        return set(payload), []
    mutators: list = []
    items = [build_item(r, mutators) for r in payload]
    if kind == "list":
        seq = items
    elif kind == "tuple":
        seq = tuple(items)
    elif kind == "gen":
        seq = (x for x in items)
    elif kind == "listsub":
        seq = ListSub(items)
    elif kind == "dict":
        seq = dict.fromkeys(items)  # keys; unhashable items would fail in both
    else:
        seq = raising_iter(items)
    for m in mutators:
        m.target = seq if isinstance(seq, list) else None
    return seq, items


def build_timeout(t):
    if isinstance(t, str) and t in ("index0", "index_raises", "floatsub0", "bigint0", "index_huge"):
        return {
            "index0": lambda: Index(0),
            "index_raises": IndexRaises,
            "floatsub0": lambda: FloatSub(0.0),
            "bigint0": lambda: IntSub(0),
            "index_huge": lambda: Index(2**70),
        }[t]()
    return t


def run(module, r, w, x, t):
    args = [build_seq(r)[0], build_seq(w)[0], build_seq(x)[0]]
    tt = build_timeout(t)
    return outcome(lambda: module.select(*args, tt))


def normalise(result):
    """Results hold objects that differ between the two builds: compare shapes."""
    if result[0] != "ok":
        return result
    lists = result[1]
    assert type(lists) is tuple and len(lists) == 3
    assert all(type(lst) is list for lst in lists)
    return ("ok", tuple([_describe(o) for o in lst] for lst in lists), result[2])


def _describe(obj):
    if isinstance(obj, int):
        return ("int", type(obj).__name__, int(obj))
    if isinstance(obj, Fileno):
        return ("fileno", obj.value if isinstance(obj.value, int) else repr(obj.value))
    return (type(obj).__name__,)


@settings(max_examples=examples(2500))
@given(seq_arg, seq_arg, seq_arg, timeout)
def test_select_matches_stock(r, w, x, t):
    expected = normalise(run(stock, r, w, x, t))
    got = normalise(run(rselect, r, w, x, t))
    assert got == expected


@settings(max_examples=examples(300))
@given(st.lists(st.sampled_from(FDS), max_size=12), st.lists(st.sampled_from(FDS), max_size=12))
def test_result_holds_the_original_objects(rfds, wfds):
    objs_r = [Fileno(fd) if i % 2 else fd for i, fd in enumerate(rfds)]
    objs_w = [Fileno(fd) for fd in wfds]
    got = rselect.select(objs_r, objs_w, objs_w, 0)
    want = stock.select(objs_r, objs_w, objs_w, 0)
    for g, s in zip(got, want, strict=True):
        assert len(g) == len(s)
        assert all(a is b for a, b in zip(g, s, strict=True))


def test_returned_lists_are_new_and_distinct():
    r = []
    res = rselect.select(r, r, r, 0)
    assert res == ([], [], [])
    assert res[0] is not res[1] and res[1] is not res[2] and res[0] is not r


def test_closed_descriptor_is_ebadf_like_stock():
    with pytest.raises(OSError) as ours:
        rselect.select([_CLOSED], [], [], 0)
    with pytest.raises(OSError) as theirs:
        stock.select([_CLOSED], [], [], 0)
    assert ours.value.errno == theirs.value.errno == errno.EBADF
    assert str(ours.value) == str(theirs.value)
    assert ours.value.args == theirs.value.args
    assert type(ours.value) is type(theirs.value)


def test_mutated_list_quirk():
    a: list = []

    class F:
        def fileno(self):
            del a[-1]
            return sys.__stdout__.fileno()

    a[:] = [F()] * 10
    assert rselect.select([], a, []) == ([], a[:5], [])


def test_fileno_called_exactly_once_per_item():
    calls = []

    class Counting:
        def fileno(self):
            calls.append(1)
            return _W_READY

    items = [Counting() for _ in range(5)]
    assert rselect.select([], items + items, [], 0) == ([], items + items, [])
    assert len(calls) == 10


def test_iterables_are_materialised_before_any_fileno_call():
    events = []

    class Tracer:
        def __init__(self, n):
            self.n = n

        def fileno(self):
            events.append(("fileno", self.n))
            return _W_READY

    def gen():
        for n in range(3):
            events.append(("yield", n))
            yield Tracer(n)

    rselect.select([], gen(), [], 0)
    assert events == [("yield", 0), ("yield", 1), ("yield", 2)] + [("fileno", n) for n in range(3)]


def test_select_is_a_builtin_that_binds_as_a_class_attribute():
    class Holder:
        fn = rselect.select

    assert type(rselect.select) is type(stock.select)
    # A builtin does not become a bound method: selectors relies on this.
    assert Holder().fn([], [], [], 0) == ([], [], [])


def test_error_is_oserror_and_constants_match_stock():
    assert rselect.error is OSError
    stock_names = {n for n in dir(stock) if n.isupper()}
    ours = {n for n in dir(rselect) if n.isupper()}
    assert ours == stock_names
    for n in stock_names:
        assert getattr(rselect, n) == getattr(stock, n), n
        assert type(getattr(rselect, n)) is int


def test_module_namespace_matches_stock():
    from rselect import _rselect

    public = {n for n in dir(_rselect) if not n.startswith("_")}
    assert public == {n for n in dir(stock) if not n.startswith("_")}
