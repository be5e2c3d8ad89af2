"""Typical uses of rselect, checked with ``mypy --strict`` against its stubs
(``make typecheck``). Never run: it only has to type-check."""

from __future__ import annotations

import os
import socket
import sys

import rselect
import rselect as select


def wait_readable(sock: socket.socket, fd: int, timeout: float | None) -> list[object]:
    readable, _writable, _exceptional = select.select([sock, fd], [], [], timeout)
    return readable


if sys.platform != "win32":

    def poll_once(fds: list[int]) -> dict[int, int]:
        p = select.poll()
        for fd in fds:
            p.register(fd, select.POLLIN | select.POLLPRI)
        p.modify(fds[0], select.POLLOUT)
        events: list[tuple[int, int]] = p.poll(0)
        p.unregister(fds[0])
        return dict(events)

    pipe_buf: int = select.PIPE_BUF


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

    linux_only: int = select.POLLMSG | select.POLLRDHUP | select.EPOLLEXCLUSIVE

if sys.platform.startswith("freebsd") or sys.platform.startswith("sunos"):
    rdhup: int = select.POLLRDHUP

if sys.platform.startswith("sunos"):

    def devpoll_once(sock: socket.socket, fd: int) -> list[tuple[int, int]]:
        dp = select.devpoll()
        dp.register(sock)
        dp.register(fd, select.POLLIN)
        dp.modify(fd)
        dp.modify(sock, select.POLLOUT)
        ready = dp.poll(None)
        ready += dp.poll(12.5)
        dp.unregister(fd)
        assert not dp.closed and dp.fileno() >= 0
        dp.close()
        return ready


if (
    sys.platform == "darwin"
    or sys.platform == "ios"
    or sys.platform.startswith("freebsd")
    or sys.platform.startswith("netbsd")
    or sys.platform.startswith("openbsd")
    or sys.platform.startswith("dragonfly")
):

    def kqueue_once(sock: socket.socket, fd: int) -> list[tuple[int, int, int]]:
        kq = select.kqueue()
        changes = [
            select.kevent(sock, select.KQ_FILTER_READ, select.KQ_EV_ADD | select.KQ_EV_CLEAR),
            select.kevent(fd, filter=select.KQ_FILTER_WRITE, flags=select.KQ_EV_ADD, udata=7),
            select.kevent(
                fd,
                select.KQ_FILTER_VNODE,
                select.KQ_EV_ADD | select.KQ_EV_ONESHOT,
                select.KQ_NOTE_DELETE | select.KQ_NOTE_WRITE | select.KQ_NOTE_RENAME,
            ),
            select.kevent(os.getpid(), select.KQ_FILTER_PROC, fflags=select.KQ_NOTE_EXIT),
            select.kevent(1, select.KQ_FILTER_TIMER, data=250),
        ]
        kq.control(changes, 0)
        events: list[select.kevent] = kq.control(None, 4, 0.5)
        events += kq.control((ev for ev in changes[:1]), 1)
        events.sort()
        out = [
            (ev.ident, ev.filter, ev.data) for ev in events if ev.flags & select.KQ_EV_ERROR == 0
        ]
        ev = events[0]
        ev.udata = ev.udata + 1
        assert ev == changes[0] or ev != changes[0] or ev < changes[1]
        copy = select.kqueue.fromfd(kq.fileno())
        assert not copy.closed
        kq.close()
        return out


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
