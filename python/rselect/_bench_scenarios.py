"""Benchmark scenarios, shared by ``python -m rselect bench`` and the pyperf
benchmarks under ``benches/``.

A scenario's ``make(module)`` opens what it needs and returns a :class:`Case`:
``call()`` does one operation with ``module`` (stock ``select`` or rselect;
a ``functools.partial`` of the method where one call is the operation, so that
the harness adds no Python frame of its own),
``cleanup()`` closes everything, and ``floor`` holds the arguments of
``rselect._rselect._floor`` that time the same system calls on the same
descriptors with no Python in between (None where the operation makes no
system call, as poll objects' register/modify).

Descriptors are eventfds (one descriptor each, readable when their counter is
non-zero, always writable) and socketpairs, so that 1,000 of them stay below
FD_SETSIZE for the stock module.

On Windows there are sockets only (no eventfd, poll or epoll, and no floor:
``_rselect._floor`` is Unix-only), and the stock module takes at most 512 of
them per list: the select() scenarios over sockets run there up to 500, and
1,000 for rselect alone; what cannot run is listed in ``SKIPPED`` with the
reason, which ``python -m rselect bench`` prints.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from types import ModuleType
from typing import Any

SIZES = (1, 10, 100, 1000)


@dataclass
class Case:
    call: Callable[[], object]
    cleanup: Callable[[], None]
    floor: dict[str, Any] | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    family: str  # the curve it belongs to in plots (cost against n)
    n: int
    make: Callable[[ModuleType], Case] = field(repr=False)
    stock: bool = True  # False: the stock module cannot run it
    target: float | None = None  # rselect/stock time the project aims at
    quick: bool = False  # part of --quick


def _eventfds(n: int) -> list[int]:
    return [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(n)]


def _close(fds) -> None:
    for fd in fds:
        os.close(fd)


def _sockets(n: int) -> tuple[list[socket.socket], list[socket.socket]]:
    pairs = [socket.socketpair() for _ in range((n + 1) // 2)]
    flat = [s for pair in pairs for s in pair]
    return flat[:n], flat[n:]


def _select(kind: str, ready: bool, n: int, fds: list[int] | None = None):
    def make(module) -> Case:
        if kind == "int":
            objs: list = fds if fds is not None else _eventfds(n)
            raw = objs

            def cleanup():
                if fds is None:
                    _close(objs)
        else:
            objs, extra = _sockets(n)
            raw = [s.fileno() for s in objs]

            def cleanup():
                for s in objs + extra:
                    s.close()

        empty: list = []
        # eventfds and sockets are always writable, never readable
        lists = (empty, objs, empty) if ready else (objs, empty, empty)
        call = partial(module.select, *lists, 0)
        return Case(call, cleanup, {"op": "select-w" if ready else "select-r", "fds": raw})

    return make


def _masks(module, kind):
    """(idle mask, ready mask) for eventfds: readable never, writable always."""
    if kind == "poll":
        return module.POLLIN, module.POLLOUT
    return module.EPOLLIN, module.EPOLLOUT


def _new(module, kind):
    return module.poll() if kind == "poll" else module.epoll()


def _wait(kind: str, ready: bool, n: int, maxevents: int | None = None):
    def make(module) -> Case:
        fds = _eventfds(n)
        obj = _new(module, kind)
        mask = _masks(module, kind)[1 if ready else 0]
        for fd in fds:
            obj.register(fd, mask)
        call = partial(obj.poll, 0) if maxevents is None else partial(obj.poll, 0, maxevents)

        def cleanup():
            if kind == "epoll":
                obj.close()
            _close(fds)

        if kind == "poll":
            floor = {"op": "poll", "fds": fds, "events": mask}
        else:
            floor = {"op": "epoll-wait", "epfd": obj.fileno(), "maxevents": maxevents or 1023}
        return Case(call, cleanup, floor)

    return make


def _churn(kind: str, what: str, n: int = 1):
    """register+unregister, modify, or modify+poll(0) with n registered."""

    def make(module) -> Case:
        fds = _eventfds(n)
        obj = _new(module, kind)
        idle, ready = _masks(module, kind)
        for fd in fds[1:]:
            obj.register(fd, idle)
        fd = fds[0]
        floor: dict[str, Any] | None
        if what == "register-unregister":
            register, unregister = obj.register, obj.unregister

            def call():
                register(fd, idle)
                unregister(fd)

            floor = {"op": "epoll-add-del", "fds": [fd], "events": idle}
        else:
            obj.register(fd, idle)
            modify, wait = obj.modify, obj.poll
            state = [idle, ready]
            if what == "modify":

                def call():
                    state.reverse()
                    modify(fd, state[0])

                floor = {"op": "epoll-modify", "fds": [fd], "events": idle, "events2": ready}
            else:

                def call():
                    state.reverse()
                    modify(fd, state[0])
                    return wait(0)

                floor = {
                    "op": "epoll-modify",
                    "fds": [fd],
                    "events": idle,
                    "events2": ready,
                    "maxevents": 1023,
                }
        if kind == "epoll":
            floor["epfd"] = obj.fileno()
        elif what == "modify-poll":
            floor = {"op": "poll", "fds": fds, "events": idle}
        else:
            floor = None  # poll objects register and modify in user space

        def cleanup():
            if kind == "epoll":
                obj.close()
            _close(fds)

        return Case(call, cleanup, floor)

    return make


def _descriptor_room() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard one; the descriptors available."""
    import resource  # not on Windows, where no scenario calls this

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def high_fd_top() -> int:
    """The highest descriptor the high-fd scenarios use: 65535, or below the
    process's limit when that is lower."""
    return min(65535, _descriptor_room() - 1)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _high_select(n: int):
    """select() over n descriptors at the top of the table (rselect only)."""

    def make(module) -> Case:
        src = os.eventfd(0, os.EFD_NONBLOCK)
        fds: list[int] = []
        try:
            # The n highest numbers not in use (dup2 would close one that is).
            for fd in range(high_fd_top(), 2, -1):
                if len(fds) == n:
                    break
                if _is_open(fd):
                    continue
                os.dup2(src, fd, inheritable=False)
                fds.append(fd)
        finally:
            os.close(src)
        fds.reverse()
        case = _select("int", True, n, fds)(module)

        def cleanup():
            _close(fds)

        return Case(case.call, cleanup, case.floor)

    return make


def _epoll_among(ready: int, registered: int):
    """epoll.poll(0) with `ready` descriptors ready among `registered`.

    The idle registrations outnumber what RLIMIT_NOFILE allows open at once,
    so they are made the way the kernel allows: an epoll registration belongs
    to a (file, descriptor number) pair and lives as long as the file does,
    not the number (epoll(7), "Questions and answers" 6). A batch of numbers
    is dup'ed from one idle eventfd, registered and closed; the next eventfd
    reuses the same numbers as new pairs.
    """

    def make(module) -> Case:
        live = _eventfds(ready)
        obj = module.epoll()
        idle, out = module.EPOLLIN, module.EPOLLOUT
        for fd in live:
            obj.register(fd, out)
        batch = max(1, min(10_000, (_descriptor_room() - 200) // 2))
        files: list[int] = []
        left = registered - ready
        while left > 0:
            src = os.eventfd(0, os.EFD_NONBLOCK)
            files.append(src)
            numbers = [os.dup(src) for _ in range(min(batch, left))]
            for fd in numbers:
                obj.register(fd, idle)
            _close(numbers)
            left -= len(numbers)
        call = partial(obj.poll, 0)

        def cleanup():
            obj.close()
            _close(live + files)

        return Case(call, cleanup, {"op": "epoll-wait", "epfd": obj.fileno(), "maxevents": 1023})

    return make


def _selectors_of(module):
    """The selectors module that goes with ``module``: rselect.selectors for
    rselect, the stdlib's (looked up past an install()) for the stock one."""
    if module.__name__.startswith("rselect"):
        from rselect import selectors

        return selectors
    from rselect._install import stock_module

    return stock_module("selectors")


def _selector_wait(cls: str, registered: int, ready: int):
    """``<cls>.select(0)`` with ``registered`` eventfds watched for reading,
    ``ready`` of them readable."""

    def make(module) -> Case:
        selectors = _selectors_of(module)
        fds = _eventfds(registered)
        for fd in fds[:ready]:
            os.eventfd_write(fd, 1)
        sel = getattr(selectors, cls)()
        for fd in fds:
            sel.register(fd, selectors.EVENT_READ)

        def cleanup():
            sel.close()
            _close(fds)

        floor = None
        if cls == "EpollSelector":
            floor = {"op": "epoll-wait", "epfd": sel.fileno(), "maxevents": registered}
        return Case(partial(sel.select, 0), cleanup, floor)

    return make


def _selector_churn(what: str):
    """EpollSelector: register+unregister of one descriptor (an int, as
    asyncio passes them), or modify of its events, or of its data only."""

    def make(module) -> Case:
        selectors = _selectors_of(module)
        fd = _eventfds(1)[0]
        sel = selectors.EpollSelector()
        read, both = selectors.EVENT_READ, selectors.EVENT_READ | selectors.EVENT_WRITE
        register, unregister, modify = sel.register, sel.unregister, sel.modify
        if what == "register-unregister":

            def call():
                register(fd, read)
                unregister(fd)

        else:
            sel.register(fd, read)
            first, second = (read, both) if what == "modify" else (read, read)
            data = (None, None) if what == "modify" else ("a", "b")

            def call():
                modify(fd, first, data[0])
                modify(fd, second, data[1])

        def cleanup():
            sel.close()
            os.close(fd)

        return Case(call, cleanup, None)

    return make


def _all_windows() -> list[Scenario]:
    """Sockets only; the stock module's lists stop at 512 (FD_SETSIZE)."""
    out: list[Scenario] = []
    quick = {"select-socket-idle-1", "select-socket-ready-500", "select-socket-ready-1000"}
    for ready in (False, True):
        state = "ready" if ready else "idle"
        for n in (1, 10, 100, 500):
            name = f"select-socket-{state}-{n}"
            out.append(Scenario(name, f"select() sockets, {state}", n,
                                _select("socket", ready, n), quick=name in quick))  # fmt: skip
    out.append(Scenario("select-socket-ready-1000", "select() beyond FD_SETSIZE, ready", 1000,
                        _select("socket", True, 1000), stock=False, quick=True))  # fmt: skip
    return out


# What this platform cannot run: (scenarios, reason), printed by the bench.
SKIPPED: list[tuple[str, str]] = []
if sys.platform == "win32":
    SKIPPED = [
        ("select-int-*, select-high-fd-*", "Windows: select() takes sockets only (no eventfd)"),
        ("poll-*, epoll-*, selectors-*", "Windows: no poll or epoll (neither module has them)"),
        ("floor (ns)", "Windows: _rselect._floor is Unix-only"),
        ("stock select-socket-ready-1000", "Windows: stock select() takes 512 sockets per list"),
    ]


def _all() -> list[Scenario]:
    if sys.platform == "win32":
        return _all_windows()
    out: list[Scenario] = []
    quick = {
        "select-int-idle-1",
        "select-int-ready-1000",
        "select-socket-ready-1000",
        "poll-idle-1",
        "poll-ready-1000",
        "epoll-idle-1",
        "epoll-ready-1000",
        "poll-modify-poll-1000",
        "epoll-modify-poll-1000",
        "selectors-epoll-ready-1000",
        "selectors-epoll-idle-10",
        "selectors-epoll-register-unregister",
    }
    targets = {
        "select-int-ready-1000": 0.93,
        "select-socket-ready-1000": 0.90,
        "select-socket-idle-1000": 0.90,
        "epoll-idle-1": 0.67,
        "epoll-idle-10": 0.67,
        "epoll-idle-100": 0.67,
        "epoll-idle-1000": 0.67,
        "epoll-ready-1000": 0.77,
        "poll-ready-1000": 0.75,
        "poll-modify-poll-1000": 0.84,
        # rselect.selectors (docs/bench.md, "The selectors targets")
        "selectors-epoll-ready-1000": 0.43,
        "selectors-epoll-ready-10": 0.5,
        "selectors-epoll-idle-10": 0.6,
        "selectors-epoll-register-unregister": 0.5,
        "selectors-epoll-modify": 0.5,
        "selectors-epoll-modify-data": 0.5,
    }

    def add(name, family, n, make, stock=True):
        out.append(Scenario(name, family, n, make, stock, targets.get(name, 1.0), name in quick))

    for kind in ("int", "socket"):
        for ready in (False, True):
            state = "ready" if ready else "idle"
            for n in SIZES:
                add(f"select-{kind}-{state}-{n}", f"select() {kind}s, {state}", n,
                    _select(kind, ready, n))  # fmt: skip
    for kind in ("poll", "epoll"):
        for ready in (False, True):
            state = "ready" if ready else "idle"
            for n in SIZES:
                add(f"{kind}-{state}-{n}", f"{kind}.poll(0), {state}", n, _wait(kind, ready, n))
    add("epoll-ready-1000-max64", "epoll.poll(0, 64), ready", 1000, _wait("epoll", True, 1000, 64))
    for kind in ("poll", "epoll"):
        add(f"{kind}-register-unregister", f"{kind} register+unregister", 1,
            _churn(kind, "register-unregister"))  # fmt: skip
        add(f"{kind}-modify", f"{kind} modify", 1, _churn(kind, "modify"))
        add(f"{kind}-modify-poll-1000", f"{kind} modify+poll(0)", 1000,
            _churn(kind, "modify-poll", 1000))  # fmt: skip
    # rselect.selectors against the stdlib's selectors (each on its module).
    for registered, n_ready in ((10, 0), (10, 10), (1000, 1000)):
        label = f"ready-{n_ready}" if n_ready else f"idle-{registered}"
        for cls, short in (("EpollSelector", "epoll"), ("PollSelector", "poll")):
            add(f"selectors-{short}-{label}", f"{cls}.select(0)", registered,
                _selector_wait(cls, registered, n_ready))  # fmt: skip
    for what in ("register-unregister", "modify", "modify-data"):
        add(f"selectors-epoll-{what}", f"EpollSelector {what}", 1, _selector_churn(what))
    # Beyond the stock module.
    for n in (1, 10, 100):
        add(f"select-high-fd-ready-{n}", "select() beyond FD_SETSIZE, ready", n,
            _high_select(n), stock=False)  # fmt: skip
    for registered in (100, 10_000, 100_000):
        add(f"epoll-ready-100-of-{registered}", "epoll.poll(0), 100 ready of n registered",
            registered, _epoll_among(100, registered))  # fmt: skip
    return out


SCENARIOS: list[Scenario] = _all()
BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}
