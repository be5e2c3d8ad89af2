"""Every exception the threads hammer allows (``ALLOWED`` and
``SELECTOR_ALLOWED`` in tests/threads/hammer.py) is stock behaviour: each has
a witness, a state the hammer can reach where the stock module raises exactly
that, and rselect the same."""

from __future__ import annotations

import contextlib
import os

import pytest

from tests.reliability.threads.hammer import (
    ALLOWED,
    BUSY_MSG,
    CLOSED_EPOLL,
    EBADF_MSG,
    EEXIST_MSG,
    EINVAL_MSG,
    ENOENT_MSG,
    FD_KEY,
    SELECTOR_ALLOWED,
    matches,
)
from tests.reliability.threads.waiting import (
    HIGH,
    LINUX_PROC,
    RSELECT,
    STOCK,
    Env,
    numbered,
    wait_until_blocked,
)
from tests.support.oracle import outcome
from tests.support.waiter import Waiter

pytestmark = LINUX_PROC


def _poll_busy(env: Env):
    """The running flag is set: a thread waits in p.poll(-1)."""
    s = env.select
    with numbered("pipe", HIGH) as (r, w):
        p = s.poll()
        p.register(r, s.POLLIN)
        waiter = Waiter(lambda: p.poll(-1))
        waiter.start()
        try:
            wait_until_blocked(waiter, "poll")
            return outcome(lambda: p.poll(0))
        finally:
            os.write(w, b"x")
            waiter.finish()


def _selector_busy(env: Env):
    with numbered("pipe", HIGH) as (r, w):
        sel = env.selectors.PollSelector()
        sel.register(r, 1)
        waiter = Waiter(sel.select)
        waiter.start()
        try:
            wait_until_blocked(waiter, "poll")
            return outcome(lambda: sel.select(0))
        finally:
            os.write(w, b"x")
            waiter.finish()
            sel.close()


def _on_pipe(fn):
    """A witness fn(env, r, w, closed) over a pipe at HIGH and a closed number."""

    def witness(env: Env):
        with numbered("pipe", HIGH) as (r, w):
            closed = HIGH + 10
            with contextlib.suppress(OSError):
                os.fstat(closed)
                raise AssertionError(f"descriptor {closed} is open")
            return fn(env, r, w, closed)

    return witness


def _epoll_witness(op: str, state: str):
    """epoll `op` in `state`: registered, unregistered, closed (the descriptor),
    closed-object, stale-ebadf (the object's number no longer open), stale-einval
    (its number now a pipe), exclusive (registered with EPOLLEXCLUSIVE)."""

    @_on_pipe
    def witness(env, r, w, closed):
        s = env.select
        fd = closed if state == "closed" else r
        if state.startswith("stale"):
            # What a thread still using a handle another thread closed meets:
            # the number refers to nothing, or (reused) to a pipe.
            target = closed if state == "stale-ebadf" else os.dup(w)
            ep = s.epoll.fromfd(target)
        else:
            ep = s.epoll()
        try:
            if state in ("registered", "exclusive"):
                extra = s.EPOLLEXCLUSIVE if state == "exclusive" else 0
                ep.register(fd, s.EPOLLIN | extra)
            if state == "closed-object":
                ep.close()
            calls = {
                "register": lambda: ep.register(fd, s.EPOLLIN),
                "modify": lambda: ep.modify(fd, s.EPOLLOUT),
                "unregister": lambda: ep.unregister(fd),
                "poll": lambda: ep.poll(0),
            }
            result = outcome(calls[op])
        finally:
            # stale-ebadf: close(2) of a closed number, its error ignored up to
            # 3.14 and reported (OSError EBADF) from 3.15 (gh-146205): compared too.
            closing = outcome(ep.close)
        return (*result, ("close", closing))

    return witness


@_on_pipe
def _poll_modify_unregistered(env, r, w, closed):
    p = env.select.poll()
    return outcome(lambda: p.modify(r, env.select.POLLIN))


@_on_pipe
def _poll_unregister_unregistered(env, r, w, closed):
    p = env.select.poll()
    p.register(w)
    return outcome(lambda: p.unregister(r))


def _sel_witness(cls: str, how: str):
    @_on_pipe
    def witness(env, r, w, closed):
        s = env.select
        sel = getattr(env.selectors, cls)()
        try:
            if how == "get_key":
                return outcome(lambda: sel.get_key(r))
            if how == "twice":
                sel.register(r, 1)
                return outcome(lambda: sel.register(r, 1))
            if how == "closed":
                return outcome(lambda: sel.register(closed, 1))
            if how == "poller-lost-it":  # the state a racing unregister leaves
                sel.register(r, 1)
                sel._selector.unregister(r)
                call = sel.unregister if cls == "PollSelector" else (lambda f: sel.modify(f, 2))
                return outcome(lambda: call(r))
            if how == "poller-has-it":  # the state a racing register leaves
                sel._selector.register(r, s.EPOLLIN)
                return outcome(lambda: sel.register(r, 1))
            if how == "iteration":  # a mapping iterated while another thread registers
                sel.register(r, 1)
                it = iter(sel.get_map())
                next(it)
                sel.register(w, 2)
                return outcome(lambda: next(it))
            if how == "iteration-same-size":  # ... or unregisters one and registers another
                sel.register(r, 1)
                sel.register(w, 2)
                it = iter(sel.get_map())
                next(it)
                next(it)
                sel.unregister(r)
                sel.register(closed, 1)
                return outcome(lambda: next(it))
            raise AssertionError(how)
        finally:
            sel.close()

    return witness


#: (target, op, type name, pattern) -> witness(env) -> outcome (tests.support.oracle.outcome)
WITNESSES = {
    ("poll", "modify", "FileNotFoundError", ENOENT_MSG): _poll_modify_unregistered,
    ("poll", "unregister", "KeyError", FD_KEY): _poll_unregister_unregistered,
    ("poll", "poll", "RuntimeError", BUSY_MSG): _poll_busy,
    ("epoll", "register", "FileExistsError", EEXIST_MSG): _epoll_witness("register", "registered"),
    ("epoll", "register", "OSError", EBADF_MSG): _epoll_witness("register", "closed"),
    ("epoll", "register", "OSError", EINVAL_MSG): _epoll_witness("register", "stale-einval"),
    ("epoll", "register", "ValueError", CLOSED_EPOLL): _epoll_witness("register", "closed-object"),
    ("epoll", "modify", "FileNotFoundError", ENOENT_MSG): _epoll_witness("modify", "ok"),
    ("epoll", "modify", "OSError", EBADF_MSG): _epoll_witness("modify", "stale-ebadf"),
    ("epoll", "modify", "OSError", EINVAL_MSG): _epoll_witness("modify", "exclusive"),
    ("epoll", "modify", "ValueError", CLOSED_EPOLL): _epoll_witness("modify", "closed-object"),
    ("epoll", "unregister", "FileNotFoundError", ENOENT_MSG): _epoll_witness("unregister", "ok"),
    ("epoll", "unregister", "OSError", EBADF_MSG): _epoll_witness("unregister", "closed"),
    ("epoll", "unregister", "OSError", EINVAL_MSG): _epoll_witness("unregister", "stale-einval"),
    ("epoll", "unregister", "ValueError", CLOSED_EPOLL): _epoll_witness(
        "unregister", "closed-object"
    ),
    ("epoll", "poll", "OSError", EBADF_MSG): _epoll_witness("poll", "stale-ebadf"),
    ("epoll", "poll", "OSError", EINVAL_MSG): _epoll_witness("poll", "stale-einval"),
    ("epoll", "poll", "ValueError", CLOSED_EPOLL): _epoll_witness("poll", "closed-object"),
    ("selectors", "*", *SELECTOR_ALLOWED[0]): _sel_witness("EpollSelector", "get_key"),
    ("selectors", "*", *SELECTOR_ALLOWED[1]): _sel_witness("PollSelector", "twice"),
    ("selectors", "*", *SELECTOR_ALLOWED[2]): _sel_witness("PollSelector", "poller-lost-it"),
    ("selectors", "*", *SELECTOR_ALLOWED[3]): _sel_witness("EpollSelector", "closed"),
    ("selectors", "*", *SELECTOR_ALLOWED[4]): _sel_witness("EpollSelector", "poller-has-it"),
    ("selectors", "*", *SELECTOR_ALLOWED[5]): _sel_witness("EpollSelector", "poller-lost-it"),
    ("selectors", "*", *SELECTOR_ALLOWED[6]): _selector_busy,
    ("selectors", "*", *SELECTOR_ALLOWED[7]): _sel_witness("PollSelector", "iteration"),
    ("selectors", "*", *SELECTOR_ALLOWED[8]): _sel_witness("PollSelector", "iteration-same-size"),
}


def test_every_allowed_exception_has_a_witness():
    entries = {
        (target, op, *entry)
        for target, ops in ALLOWED.items()
        for op, es in ops.items()
        for entry in es
    }
    entries |= {("selectors", "*", *entry) for entry in SELECTOR_ALLOWED}
    assert entries == set(WITNESSES)


@pytest.mark.parametrize("key", list(WITNESSES), ids=lambda k: "-".join(k[:3]) + f"-{k[3][:12]}")
def test_allowed_exception_is_stock_behaviour(key):
    """The stock module raises exactly this in a state the hammer reaches; rselect too."""
    _target, _op, type_name, pattern = key
    want = WITNESSES[key](STOCK)
    got = WITNESSES[key](RSELECT)
    assert want[0] == "raise", want
    assert matches((type_name, pattern), want[1].__name__, want[2]), want
    assert got == want
