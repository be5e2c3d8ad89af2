"""The raw entries of poll/epoll register(), modify() and unregister()
(crates/rselect-py/src/fastcall.rs): exact ints in range take a path of their
own, and everything at and beyond its edges must still behave as the stock
module does. Each sequence runs on both modules with its own descriptors; the
outcomes of every call and the final readiness must be the same."""

from __future__ import annotations

import os
import sys

import pytest

from tests.support.hostile import Index
from tests.support.oracle import outcome, rselect, stock


class Int(int):
    pass


def _sequence(mod, kind: str) -> list:
    r, w = os.pipe()
    os.write(w, b"x")
    try:
        obj = getattr(mod, kind)()
        ushort = 0xFFFF if kind == "poll" else 2**32 - 1
        calls = [
            # Around the edges of the fast path's descriptor and mask.
            lambda: obj.register(r),
            lambda: obj.register(r),  # twice: poll re-registers, epoll raises
            lambda: obj.register(w, 0),
            lambda: obj.modify(w, ushort),
            lambda: obj.modify(w, ushort + 1),
            lambda: obj.modify(w, -1),
            lambda: obj.modify(w, True),
            lambda: obj.modify(w, Int(4)),
            lambda: obj.modify(w, Index(1)),
            lambda: obj.modify(w, 4.0),
            lambda: obj.modify(w, 2**70),
            lambda: obj.modify(2**31 - 1, 1),
            lambda: obj.modify(2**31, 1),
            lambda: obj.unregister(-1),
            lambda: obj.unregister(2**31 - 1),
            lambda: obj.unregister(Int(w)),
            lambda: obj.unregister(w),
            lambda: obj.register(w, 4),
            lambda: obj.unregister(w),
            lambda: obj.register(fd=w) if kind == "epoll" else obj.register(w, 4),
            lambda: obj.modify(w, eventmask=4) if kind == "epoll" else obj.modify(w, 4),
            lambda: obj.register(),
            lambda: obj.register(w, 4, 5),
            lambda: obj.modify(w),
            lambda: obj.unregister(),
            lambda: obj.unregister(w, 1),
        ]
        results = [outcome(call) for call in calls]
        results.append(sorted(obj.poll(0)))
        if kind == "epoll":
            obj.close()
            results += [outcome(lambda: obj.register(r)), outcome(lambda: obj.unregister(r))]
        # Descriptors differ between the two runs: compare positions.
        names = {r: "r", w: "w"}
        return [
            [(names.get(fd, fd), ev) for fd, ev in item] if isinstance(item, list) else item
            for item in results
        ]
    finally:
        os.close(r)
        os.close(w)


def _arity(result):
    """Arity and keyword errors are worded by PyO3 (README, Differences):
    compare their type only."""
    if result[0] == "raise" and result[1] is TypeError and "argument" in result[2]:
        return ("raise", TypeError, "<arity>", None, result[4])
    return result


@pytest.mark.parametrize("kind", ["poll", "epoll"])
def test_edges_match_stock(kind):
    if not hasattr(stock, kind):
        pytest.skip(f"no select.{kind} on {sys.platform}")
    ours = [_arity(x) if isinstance(x, tuple) else x for x in _sequence(rselect, kind)]
    theirs = [_arity(x) if isinstance(x, tuple) else x for x in _sequence(stock, kind)]
    assert ours == theirs


@pytest.mark.parametrize("kind", ["poll", "epoll"])
def test_methods_look_the_same(kind):
    """The replaced descriptors keep what introspection shows."""
    if not hasattr(stock, kind):
        pytest.skip(f"no select.{kind} on {sys.platform}")
    ours, theirs = getattr(rselect, kind), getattr(stock, kind)
    for name in ("register", "modify", "unregister"):
        a = getattr(type(ours()), name)
        b = getattr(type(theirs()), name)
        assert type(a) is type(b)
        assert (a.__name__, a.__qualname__, a.__objclass__.__name__) == (
            b.__name__,
            b.__qualname__,
            b.__objclass__.__name__,
        )
        assert a.__doc__ == b.__doc__
        assert a.__text_signature__ == b.__text_signature__
