"""Benchmark scenarios shared by bench.py (pyperf) and demo.py.

Each scenario is a factory ``make(module) -> (call, cleanup)`` where ``call()``
performs one operation with ``module`` (stock ``select`` or ``rselect``).
Descriptors are eventfds (one descriptor each, readable when their counter is
non-zero, always writable) and socketpairs, so that 1000 of them stay below
FD_SETSIZE for the stock module.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

Call = Callable[[], object]


def _eventfds(n: int) -> list[int]:
    return [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(n)]


def _sockets(n: int) -> tuple[list[socket.socket], list[socket.socket]]:
    pairs = [socket.socketpair() for _ in range((n + 1) // 2)]
    flat = [s for pair in pairs for s in pair][:n]
    rest = [s for pair in pairs for s in pair][n:]
    return flat, rest


def select_scenario(kind: str, ready: bool, n: int):
    """select() over n descriptors ("int" or "socket"), none or all ready."""

    def make(module):
        if kind == "int":
            objs = _eventfds(n)
            extra: list = []

            def cleanup():
                for fd in objs:
                    os.close(fd)
        else:
            objs, extra = _sockets(n)

            def cleanup():
                for s in objs + extra:
                    s.close()

        sel = module.select
        if ready:
            empty: list = []

            def call():
                return sel(empty, objs, empty, 0)
        else:
            empty = []

            def call():
                return sel(objs, empty, empty, 0)

        return call, cleanup

    return make


SIZES = (1, 10, 100, 1000)
SELECT_SCENARIOS = {
    f"select-{kind}-{'ready' if ready else 'idle'}-{n}": select_scenario(kind, ready, n)
    for kind in ("int", "socket")
    for ready in (False, True)
    for n in SIZES
}


def _objects(module, kind):
    return module.poll() if kind == "poll" else module.epoll()


def _masks(module, kind):
    """(idle mask, ready mask) for eventfds: readable never, writable always."""
    if kind == "poll":
        return module.POLLIN, module.POLLOUT
    return module.EPOLLIN, module.EPOLLOUT


def wait_scenario(kind: str, ready: bool, n: int, maxevents: int | None = None):
    """poll.poll(0) / epoll.poll(0[, maxevents]) with n registered, none or all ready."""

    def make(module):
        fds = _eventfds(n)
        obj = _objects(module, kind)
        mask = _masks(module, kind)[1 if ready else 0]
        for fd in fds:
            obj.register(fd, mask)
        wait = obj.poll
        if maxevents is None:

            def call():
                return wait(0)
        else:

            def call():
                return wait(0, maxevents)

        def cleanup():
            if kind == "epoll":
                obj.close()
            for fd in fds:
                os.close(fd)

        return call, cleanup

    return make


def churn_scenario(kind: str, what: str, n: int = 1):
    """register+unregister, modify, or modify+poll(0) with n registered."""

    def make(module):
        fds = _eventfds(n)
        obj = _objects(module, kind)
        idle, ready = _masks(module, kind)
        for fd in fds[1:]:
            obj.register(fd, idle)
        fd = fds[0]
        if what == "register-unregister":
            register, unregister = obj.register, obj.unregister

            def call():
                register(fd, idle)
                unregister(fd)
        else:
            obj.register(fd, idle)
            modify, wait = obj.modify, obj.poll
            state = [idle, ready]

            if what == "modify":

                def call():
                    state.reverse()
                    modify(fd, state[0])
            else:

                def call():
                    state.reverse()
                    modify(fd, state[0])
                    return wait(0)

        def cleanup():
            if kind == "epoll":
                obj.close()
            for f in fds:
                os.close(f)

        return call, cleanup

    return make


POLL_SCENARIOS = {
    f"{kind}-{'ready' if ready else 'idle'}-{n}": wait_scenario(kind, ready, n)
    for kind in ("poll", "epoll")
    for ready in (False, True)
    for n in SIZES
}
POLL_SCENARIOS["epoll-ready-1000-max64"] = wait_scenario("epoll", True, 1000, 64)
for _kind in ("poll", "epoll"):
    POLL_SCENARIOS[f"{_kind}-register-unregister"] = churn_scenario(_kind, "register-unregister")
    POLL_SCENARIOS[f"{_kind}-modify"] = churn_scenario(_kind, "modify")
    POLL_SCENARIOS[f"{_kind}-modify-poll-1000"] = churn_scenario(_kind, "modify-poll", 1000)

SCENARIOS = {**SELECT_SCENARIOS, **POLL_SCENARIOS}
