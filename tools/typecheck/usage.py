"""Typical uses of rselect, checked with ``mypy --strict`` against its stubs
(``make typecheck``). Never run: it only has to type-check."""

from __future__ import annotations

import socket
import sys

import rselect
import rselect as select


def wait_readable(sock: socket.socket, fd: int, timeout: float | None) -> list[object]:
    readable, _writable, _exceptional = select.select([sock, fd], [], [], timeout)
    return readable


def poll_once(fds: list[int]) -> dict[int, int]:
    p = select.poll()
    for fd in fds:
        p.register(fd, select.POLLIN | select.POLLPRI)
    p.modify(fds[0], select.POLLOUT)
    events: list[tuple[int, int]] = p.poll(0)
    p.unregister(fds[0])
    return dict(events)


if sys.platform == "linux":

    def epoll_once(sock: socket.socket) -> list[tuple[int, int]]:
        with select.epoll(flags=select.EPOLL_CLOEXEC) as ep:
            ep.register(sock, select.EPOLLIN | select.EPOLLET)
            ep.modify(sock.fileno(), eventmask=select.EPOLLOUT)
            ready = ep.poll(timeout=0.5, maxevents=64)
            ep.unregister(sock)
            assert not ep.closed
            copy = select.epoll.fromfd(ep.fileno())
            copy.close()
            return ready


def switch() -> bool:
    rselect.install()
    on = rselect.installed()
    rselect.uninstall()
    return on


try:
    select.select([], [], [], 0)
except select.error as exc:
    code: int | None = exc.errno


def selector_round(fd: int) -> list[int]:
    from rselect import selectors

    with selectors.DefaultSelector() as sel:
        key: selectors.SelectorKey = sel.register(fd, selectors.EVENT_READ, data="x")
        sel.modify(fd, selectors.EVENT_READ | selectors.EVENT_WRITE, data=key.data)
        events = [mask for _key, mask in sel.select(0)]
        assert sel.get_key(fd).fd == fd and len(sel.get_map()) == 1
        sel.unregister(fd)
        return events
