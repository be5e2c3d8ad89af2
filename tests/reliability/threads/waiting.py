"""Helpers of the threads tests that make one thread wait while another acts
(the thread itself: tests.support.waiter.Waiter): the modules under test,
descriptors at fixed numbers, and the check that a thread really sleeps in
the system call (/proc/self/task/<tid>/syscall)."""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import threading
import time
from typing import NamedTuple

import pytest

from tests.support.oracle import rselect, stock

# The marks of every threads test module (pytestmark).
LINUX_PROC = [
    pytest.mark.skipif(not hasattr(stock, "epoll"), reason="Linux: poll and epoll"),
    pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc"),
]


class Env(NamedTuple):
    select: object
    selectors: object


STOCK = Env(stock, __import__("selectors"))
RSELECT = Env(rselect, __import__("rselect.selectors").selectors)
HIGH = 980  # fixed numbers for the forced interleavings and the witnesses (980..999)


@contextlib.contextmanager
def numbered(kind: str, base: int):
    """A pipe or socketpair at descriptors base and base+1 (closed afterwards)."""
    for fd in (base, base + 1):
        try:
            os.fstat(fd)
        except OSError:
            continue
        raise AssertionError(f"descriptor {fd} is already open")
    if kind == "pipe":
        tmp = os.pipe()
    else:
        a, b = socket.socketpair()
        tmp = (a.detach(), b.detach())
    for t, num in zip(tmp, (base, base + 1), strict=True):
        os.dup2(t, num, inheritable=False)
        os.close(t)
    try:
        yield base, base + 1
    finally:
        for fd in (base, base + 1):
            with contextlib.suppress(OSError):
                os.close(fd)


#: System call numbers (/proc/<pid>/task/<tid>/syscall) of a thread waiting in
#: poll()/epoll.poll(); elsewhere a pause stands in for the check.
_SYSCALLS = {
    "x86_64": {"poll": {7, 271}, "epoll": {232, 281, 441}},  # poll ppoll / epoll_(p)wait(2)
    "aarch64": {"poll": {73}, "epoll": {22, 441}},  # ppoll / epoll_pwait(2)
}


def wait_until_blocked(thread: threading.Thread, kind: str, epfd: int | None = None) -> None:
    """Return once ``thread`` sleeps inside the poll (kind "poll") or epoll wait
    (on ``epfd``): from then on it holds the poll object's running flag."""
    numbers = _SYSCALLS.get(platform.machine(), {}).get(kind)
    path = f"/proc/self/task/{thread.native_id}/syscall"
    if numbers is None or not os.access(path, os.R_OK):
        time.sleep(0.3)
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not thread.is_alive():
            pytest.fail("the waiting thread returned before it was seen waiting")
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open(path) as f:
                fields = f.read().split()
            with open(f"/proc/self/task/{thread.native_id}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            if (
                int(fields[0]) in numbers
                and state == "S"
                and (epfd is None or int(fields[1], 16) == epfd)
            ):
                return
        time.sleep(0.001)
    pytest.fail(f"the thread was never seen waiting in {kind}")
