"""Forced interleavings of two threads on one poll, epoll or selector object
(poll()'s "concurrent poll() invocation" exactly while another thread waits,
a descriptor closed while another thread waits on it, a peer closed, an epoll
clone changing the interest list during a wait), run with the stock modules
and with rselect's, observations compared."""

from __future__ import annotations

import errno
import os

import pytest

from tests.reliability.threads.waiting import (
    HIGH,
    LINUX_PROC,
    RSELECT,
    STOCK,
    Env,
    numbered,
    wait_until_blocked,
)
from tests.support.oracle import outcome, stock
from tests.support.waiter import Waiter

# -- forced interleavings, stock and rselect compared ------------------------------------------
#
# Each scenario returns a list of (label, observation); it is run with the stock
# modules and with rselect's and the lists must be equal. ``facts`` then pins what
# the stock run shows on this kernel (so that a scenario where nothing happens
# cannot pass). Descriptors sit at fixed numbers (HIGH...), equal in both runs.

pytestmark = LINUX_PROC


#: The timeout (s) of a wait that must not be woken: long enough for the test
#: thread to see the waiter blocked (wait_until_blocked) on a loaded machine.
NOT_WOKEN = 0.5


def _keys(result):
    return [(key.fd, key.events, key.data, ev) for key, ev in result]


def sc_poll_busy_exactly_while_waiting(env: Env):
    s, obs = env.select, []
    with numbered("pipe", HIGH) as (r, w):
        p, q = s.poll(), s.poll()
        p.register(r, s.POLLIN)
        q.register(r, s.POLLIN)
        obs.append(("nobody waits", outcome(lambda: p.poll(0))))
        a = Waiter(lambda: p.poll(-1))
        a.start()
        wait_until_blocked(a, "poll")
        # The first call after A is known to wait raises: no retry needed.
        obs.append(("p.poll(0) while A waits", outcome(lambda: p.poll(0))))
        obs.append(("p.poll(10)", outcome(lambda: p.poll(10))))
        obs.append(("p.poll(None)", outcome(lambda: p.poll(None))))  # raises, does not block
        probes = [Waiter(lambda: outcome(lambda: p.poll(0))) for _ in range(3)]
        for t in probes:
            t.start()
        obs.append(("three more threads", [t.finish() for t in probes]))
        obs.append(("another object", outcome(lambda: q.poll(0))))
        b = Waiter(lambda: q.poll(-1))
        b.start()
        wait_until_blocked(b, "poll")
        obs.append(("q while B waits", outcome(lambda: q.poll(0))))
        os.write(w, b"x")
        obs.append(("A", a.finish()))
        obs.append(("B", b.finish()))
        obs.append(("after", (outcome(lambda: p.poll(0)), outcome(lambda: q.poll(0)))))
    return obs


def sc_selectors_busy_exactly_while_waiting(env: Env):
    """PollSelector passes poll's RuntimeError on; EpollSelector has no guard."""
    obs = []
    with numbered("pipe", HIGH) as (r, w):
        psel, esel = env.selectors.PollSelector(), env.selectors.EpollSelector()
        psel.register(r, 1, "p")
        esel.register(r, 1, "e")
        a = Waiter(lambda: _keys(psel.select()))
        a.start()
        wait_until_blocked(a, "poll")
        obs.append(("PollSelector.select(0) while A waits", outcome(lambda: psel.select(0))))
        b = Waiter(lambda: _keys(esel.select()))
        b.start()
        wait_until_blocked(b, "epoll", esel.fileno())
        obs.append(("EpollSelector.select(0) while B waits", outcome(lambda: esel.select(0))))
        os.write(w, b"x")
        obs.append(("A", a.finish()))
        obs.append(("B", b.finish()))
        obs.append(("after", outcome(lambda: _keys(psel.select(0)))))
        psel.close()
        esel.close()
    return obs


def sc_poll_waited_fd_closed(env: Env):
    """Closing a descriptor does not wake poll(2); its last scan (timeout or
    another wake-up) reports POLLNVAL, and so does every later call."""
    s, obs = env.select, []
    with numbered("pipe", HIGH) as (r, _w), numbered("pipe", HIGH + 2) as (wake_r, wake_w):
        p = s.poll()
        p.register(r, s.POLLIN)
        p.register(wake_r, s.POLLIN)
        a = Waiter(lambda: p.poll(NOT_WOKEN * 1000))
        a.start()
        wait_until_blocked(a, "poll")
        os.close(r)
        obs.append(("A after its timeout", a.finish()))
        obs.append(("A was not woken", a.elapsed >= NOT_WOKEN))
        obs.append(("next poll(0)", outcome(lambda: p.poll(0))))
        p.unregister(r)
        with numbered("pipe", HIGH + 4) as (r2, _w2):
            p.register(r2, s.POLLIN)
            a = Waiter(lambda: p.poll(5000))
            a.start()
            wait_until_blocked(a, "poll")
            os.close(r2)
            os.write(wake_w, b"x")
            obs.append(("A woken by another descriptor", a.finish()))
            obs.append(("well before its timeout", a.elapsed < 4))
    return obs


def sc_poll_peer_closed(env: Env):
    """Closing the other end wakes the waiter: POLLHUP (pipe), POLLIN|POLLHUP (socket)."""
    s, obs = env.select, []
    for kind in ("pipe", "socketpair"):
        with numbered(kind, HIGH) as (r, w):
            p = s.poll()
            p.register(r, s.POLLIN)
            a = Waiter(lambda p=p: p.poll(5000))
            a.start()
            wait_until_blocked(a, "poll")
            os.close(w)
            obs.append((kind, a.finish(), a.elapsed < 4))
    return obs


def sc_epoll_waited_fd_closed(env: Env):
    """The last reference gone, the kernel drops the descriptor from the
    interest list: the waiter is not woken, the number is free to register
    anew, ctl on the closed number is EBADF."""
    s, obs = env.select, []
    with numbered("pipe", HIGH) as (r, w):
        ep = s.epoll()
        ep.register(r, s.EPOLLIN)
        a = Waiter(lambda: ep.poll(NOT_WOKEN))
        a.start()
        wait_until_blocked(a, "epoll", ep.fileno())
        os.close(r)
        obs.append(("A after its timeout", a.finish(), a.elapsed >= NOT_WOKEN))
        obs.append(("modify closed", outcome(lambda: ep.modify(r, s.EPOLLOUT))))
        obs.append(("unregister closed", outcome(lambda: ep.unregister(r))))
        os.close(w)
        with numbered("pipe", HIGH) as (r, w):  # a new pipe at the same numbers
            obs.append(("register the new file", outcome(lambda: ep.register(r, s.EPOLLIN))))
            os.write(w, b"x")
            obs.append(("reported", outcome(lambda: ep.poll(0))))
        ep.close()
    return obs


def sc_epoll_waited_fd_closed_but_duplicated(env: Env):
    """A duplicate keeps the file alive: still in the interest list, reported
    under the closed number, which ctl can no longer name (EBADF)."""
    s, obs = env.select, []
    with numbered("pipe", HIGH) as (r, w):
        ep = s.epoll()
        ep.register(r, s.EPOLLIN)
        dup = os.dup(r)
        try:
            a = Waiter(lambda: ep.poll(5))
            a.start()
            wait_until_blocked(a, "epoll", ep.fileno())
            os.close(r)
            os.write(w, b"x")
            obs.append(("A woken", a.finish(), a.elapsed < 4))
            obs.append(("unregister", outcome(lambda: ep.unregister(r))))
            obs.append(("still reported", outcome(lambda: ep.poll(0))))
        finally:
            os.close(dup)
        obs.append(("gone with the duplicate", outcome(lambda: ep.poll(0))))
        ep.close()
    return obs


def sc_epoll_peer_closed(env: Env):
    s, obs = env.select, []
    for kind in ("pipe", "socketpair"):
        with numbered(kind, HIGH) as (r, w):
            ep = s.epoll()
            ep.register(r, s.EPOLLIN)
            a = Waiter(lambda ep=ep: ep.poll(5))
            a.start()
            wait_until_blocked(a, "epoll", ep.fileno())
            os.close(w)
            obs.append((kind, a.finish(), a.elapsed < 4))
            ep.close()
    return obs


def sc_epoll_clone_changes_the_interest_list_during_a_wait(env: Env):
    """fromfd(dup(fileno())) in another thread: the same kernel instance."""
    s, obs = env.select, []
    with numbered("pipe", HIGH) as (r, w):
        ep = s.epoll()
        ep.register(r, s.EPOLLIN)
        a = Waiter(lambda: ep.poll(5))
        a.start()
        wait_until_blocked(a, "epoll", ep.fileno())
        clone = s.epoll.fromfd(os.dup(ep.fileno()))
        obs.append(("clone registers", outcome(lambda: clone.register(w, s.EPOLLOUT))))
        obs.append(("A woken by it", a.finish(), a.elapsed < 4))
        a = Waiter(lambda: ep.poll(NOT_WOKEN))
        ep.unregister(w)
        a.start()
        wait_until_blocked(a, "epoll", ep.fileno())
        clone.close()  # closing a clone changes nothing for the waiter
        obs.append(("A after the clone closed", a.finish(), a.elapsed >= NOT_WOKEN))
        obs.append(("the clone", clone.closed, outcome(lambda: clone.poll(0))))
        obs.append(("the object", ep.closed, outcome(lambda: ep.register(w, s.EPOLLOUT))))
        obs.append(("reported", outcome(lambda: ep.poll(0))))
        ep.close()
    return obs


def sc_selectors_waited_fd_closed(env: Env):
    """Closed without unregistering while select() waits: EpollSelector is not
    woken and reports nothing; PollSelector reports POLLNVAL as both events."""
    obs = []
    for cls in ("EpollSelector", "PollSelector"):
        with numbered("pipe", HIGH) as (r, _w):
            sel = getattr(env.selectors, cls)()
            sel.register(r, 1, "data")
            a = Waiter(lambda sel=sel: _keys(sel.select(NOT_WOKEN)))
            a.start()
            wait_until_blocked(a, "epoll" if cls == "EpollSelector" else "poll")
            os.close(r)
            obs.append((cls, a.finish(), a.elapsed >= NOT_WOKEN))
            obs.append((cls, "next", outcome(lambda sel=sel: _keys(sel.select(0)))))
            obs.append((cls, "unregister", outcome(lambda sel=sel: sel.unregister(r).fd)))
            sel.close()
    return obs


def _facts_busy(obs):
    o = dict(obs)
    busy = ("raise", RuntimeError, "concurrent poll() invocation", None, ())
    assert o["nobody waits"] == ("ok", [], ())
    assert o["p.poll(0) while A waits"] == o["p.poll(10)"] == o["p.poll(None)"] == busy
    assert o["three more threads"] == [busy] * 3
    assert o["another object"] == ("ok", [], ())
    assert o["q while B waits"] == busy
    assert o["A"] == o["B"] == [(HIGH, stock.POLLIN)]


def _facts_selectors_busy(obs):
    o = dict(obs)
    assert o["PollSelector.select(0) while A waits"][:3] == (
        "raise",
        RuntimeError,
        "concurrent poll() invocation",
    )
    assert o["EpollSelector.select(0) while B waits"] == ("ok", [], ())
    assert o["A"] == [(HIGH, 1, "p", 1)]


def _facts_poll_closed(obs):
    o = dict(obs)
    assert o["A after its timeout"] == [(HIGH, stock.POLLNVAL)]
    assert o["A was not woken"] is True
    assert o["A woken by another descriptor"] == [(HIGH + 2, 1), (HIGH + 4, stock.POLLNVAL)]


def _facts_peer_closed(obs):
    assert obs == [("pipe", [(HIGH, 16)], True), ("socketpair", [(HIGH, 17)], True)]


def _facts_epoll_closed(obs):
    ebadf = ("raise", OSError, "[Errno 9] Bad file descriptor", errno.EBADF, ())
    assert obs == [
        ("A after its timeout", [], True),
        ("modify closed", ebadf),
        ("unregister closed", ebadf),
        ("register the new file", ("ok", None, ())),
        ("reported", ("ok", [(HIGH, stock.EPOLLIN)], ())),
    ]


def _facts_epoll_duplicated(obs):
    assert obs[0] == ("A woken", [(HIGH, stock.EPOLLIN)], True)
    assert obs[2] == ("still reported", ("ok", [(HIGH, stock.EPOLLIN)], ()))
    assert obs[3] == ("gone with the duplicate", ("ok", [], ()))


def _facts_epoll_clone(obs):
    assert obs[1] == ("A woken by it", [(HIGH + 1, stock.EPOLLOUT)], True)
    assert obs[2] == ("A after the clone closed", [], True)


def _facts_selectors_closed(obs):
    assert obs[0] == ("EpollSelector", [], True)
    assert obs[3] == ("PollSelector", [(HIGH, 1, "data", 1)], True)  # POLLNVAL & EVENT_READ


#: name -> (scenario(env) -> observations, facts(stock's observations): asserts)
SCENARIOS = {
    "poll_busy_exactly_while_waiting": (sc_poll_busy_exactly_while_waiting, _facts_busy),
    "selectors_busy_exactly_while_waiting": (
        sc_selectors_busy_exactly_while_waiting,
        _facts_selectors_busy,
    ),
    "poll_waited_fd_closed": (sc_poll_waited_fd_closed, _facts_poll_closed),
    "poll_peer_closed": (sc_poll_peer_closed, _facts_peer_closed),
    "epoll_waited_fd_closed": (sc_epoll_waited_fd_closed, _facts_epoll_closed),
    "epoll_waited_fd_closed_but_duplicated": (
        sc_epoll_waited_fd_closed_but_duplicated,
        _facts_epoll_duplicated,
    ),
    "epoll_peer_closed": (sc_epoll_peer_closed, _facts_peer_closed),
    "epoll_clone_changes_the_interest_list_during_a_wait": (
        sc_epoll_clone_changes_the_interest_list_during_a_wait,
        _facts_epoll_clone,
    ),
    "selectors_waited_fd_closed": (sc_selectors_waited_fd_closed, _facts_selectors_closed),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_forced_interleaving_matches_stock(name):
    scenario, facts = SCENARIOS[name]
    want = scenario(STOCK)
    got = scenario(RSELECT)
    facts(want)
    assert got == want
