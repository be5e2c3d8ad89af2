"""Result building of poll.poll() and epoll.poll(): up to 3.14 descriptor ints
are kept (one int object per fd, like CPython's small-int cache) without
changing any value; on 3.15, which itself shares 0..1024 and makes larger
ints for less than rselect's lookup, those get fresh ints as from stock.
The (fd, events) tuples are kept per descriptor and handed out again only
when nothing else holds them (pairs.rs, KeptPairs): a tuple anyone holds
never changes, and two results never share one. Repeated calls allocate
nothing that stays alive."""

from __future__ import annotations

import gc
import os
import select as stock
import sys

import pytest
import rselect


@pytest.fixture
def high_pipes():
    """Pipes whose write ends sit above 256 (outside CPython's small ints)."""
    made = []
    for target in (300, 301, 5000):
        r, w = os.pipe()
        os.dup2(w, target)
        os.close(w)
        made.append((r, target))
    yield made
    for r, w in made:
        os.close(r)
        os.close(w)


def _objects(module, fds):
    p = module.poll()
    e = module.epoll()
    for fd in fds:
        p.register(fd, module.POLLOUT)
        e.register(fd, module.EPOLLOUT)
    return p, e


def _shared(fd: int) -> bool:
    """Whether two results give the same int object for ``fd``."""
    if sys.version_info >= (3, 15):
        return fd <= 1024  # CPython's own small ints (version::Rules)
    return True


def test_values_match_stock_and_ints_are_shared(high_pipes):
    fds = [w for _r, w in high_pipes]
    ours = _objects(rselect, fds)
    theirs = _objects(stock, fds)
    try:
        for mine, other in zip(ours, theirs, strict=True):
            first, second = mine.poll(0), mine.poll(0)
            assert sorted(first) == sorted(other.poll(0)) == sorted((fd, 4) for fd in fds)
            for (fd1, _), (fd2, _) in zip(sorted(first), sorted(second), strict=True):
                assert type(fd1) is int and fd1 == fd2
                assert (fd1 is fd2) is _shared(fd1), fd1
    finally:
        for obj in ours[1], theirs[1]:
            obj.close()


def _reuses_tuples() -> bool:
    """KeptPairs exists in GIL builds (not free-threaded ones)."""
    return getattr(sys, "_is_gil_enabled", lambda: True)()


@pytest.mark.parametrize("kind", ["poll", "epoll"])
def test_held_result_tuples_never_change(socketpair, kind):
    a, b = socketpair
    fd = a.fileno()
    ours, theirs = (getattr(m, kind)() for m in (rselect, stock))
    for obj, m in ((ours, rselect), (theirs, stock)):
        if kind == "poll":
            obj.register(fd, m.POLLIN | m.POLLOUT)
        else:
            obj.register(fd, m.EPOLLIN | m.EPOLLOUT)
    try:
        held = ours.poll(0)
        assert held == theirs.poll(0) == [(fd, 4)]
        b.send(b"x")  # now readable too: the events differ
        readable = ours.poll(0)
        assert readable == theirs.poll(0) == [(fd, 5)]
        assert held == [(fd, 4)] and readable[0] is not held[0]
        same = ours.poll(0)
        assert same == [(fd, 5)] and same[0] is not readable[0]  # both held
        kept_id = id(same[0])  # the one kept for fd: made last
        assert hash(same[0]) == hash((fd, 5))  # 3.14+ caches it in the tuple
        del held, readable, same
        a.recv(1)
        again = ours.poll(0)
        assert again == theirs.poll(0) == [(fd, 4)]
        if _reuses_tuples():
            # Nobody held the kept tuple: it was handed out again, its events
            # replaced, its 3.14+ cached hash reset with them.
            assert id(again[0]) == kept_id
            assert hash(again[0]) == hash((fd, 4))
            assert (fd, 4) in {again[0]} and again[0] in {(fd, 4)}
        b.send(b"y")
        ready = ours.poll(0)
        assert hash(ready[0]) == hash((fd, 5)) and ready[0] in {(fd, 5)}
    finally:
        if kind == "epoll":
            ours.close()
            theirs.close()


def test_unheld_result_tuples_are_reused(socketpair):
    if not _reuses_tuples():
        pytest.skip("free-threaded build: every tuple is new")
    a, _b = socketpair
    p = rselect.poll()
    p.register(a, rselect.POLLOUT)
    first = id(p.poll(0)[0])
    assert id(p.poll(0)[0]) == first  # the result list died: kept tuple reused
    kept = p.poll(0)[0]
    assert p.poll(0)[0] is not kept and p.poll(0)[0] == kept == (a.fileno(), 4)


def test_same_descriptor_twice_in_one_epoll_result():
    """A registration that outlives its descriptor number (the file still open
    through a dup) and a new one on that number: epoll reports the number
    twice. The two tuples are two objects, as from stock."""
    results = []
    for module in (stock, rselect):
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        spare = os.dup(w1)
        e = module.epoll()
        try:
            e.register(spare, module.EPOLLOUT)
            num = spare
            os.dup2(w2, num)  # the old registration stays: w1's file is open
            e.register(num, module.EPOLLOUT)
            got = e.poll(0)
            assert got == [(num, 4), (num, 4)]
            assert got[0] is not got[1]
            results.append(sorted(got))
            again = e.poll(0)
            assert again == got and again[0] is not again[1]
        finally:
            e.close()
            for fd in (r1, w1, r2, w2, num):
                os.close(fd)
    assert results[0] == results[1]


def test_repeated_calls_keep_no_new_objects(high_pipes):
    fds = [w for _r, w in high_pipes]
    p, e = _objects(rselect, fds)
    try:
        for call in (p.poll, e.poll):
            for _ in range(100):  # warm up: the cache fills on first use
                call(0)
            gc.collect()
            before = sys.getallocatedblocks()
            for _ in range(20_000):
                call(0)
            gc.collect()
            assert sys.getallocatedblocks() - before < 50
    finally:
        e.close()
