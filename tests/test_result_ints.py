"""Result building of poll.poll() and epoll.poll(): up to 3.14 descriptor ints
are kept (one int object per fd, like CPython's small-int cache) without
changing any value; on 3.15, which itself shares 0..1024 and makes larger
ints for less than rselect's lookup, those get fresh ints as from stock.
Repeated calls allocate nothing that stays alive."""

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
