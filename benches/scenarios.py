"""Benchmark scenarios shared by bench_select.py (pyperf) and demo.py.

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
