"""Descriptor helpers: which numbers are open, and a pool of pipes,
socketpairs and regular files held at fixed descriptor numbers.

Standard library only (tools/fuzz/ and the threads test's child import this).
"""

from __future__ import annotations

import contextlib
import os
import resource
import socket
from collections.abc import Sequence

FD_SETSIZE = 1024


def _nr_open() -> int:
    try:
        with open("/proc/sys/fs/nr_open") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 1 << 20


# The kernel's limit on descriptor numbers (fs.nr_open): rselect's select()
# takes numbers from FD_SETSIZE up to it on Linux.
NR_OPEN = _nr_open()


def is_open(fd: int) -> bool:
    """Whether ``fd`` is an open descriptor of this process."""
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def open_fds() -> dict[int, str]:
    """This process's open descriptors and what each names (Linux: /proc/self/fd)."""
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor, gone by now
            fds[int(name)] = os.readlink(f"/proc/self/fd/{name}")
    return fds


def reserve_block(n: int, margin: int) -> int:
    """First number of a block of ``n`` unused descriptor numbers, ``margin``
    numbers or more below FD_SETSIZE (so that select() accepts them) and
    the soft RLIMIT_NOFILE."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    top = FD_SETSIZE if soft == resource.RLIM_INFINITY else min(soft, FD_SETSIZE)
    for start in range(top - n - margin, 63, -n):
        if not any(is_open(fd) for fd in range(start, start + n)):
            return start
    raise RuntimeError("no free block of descriptor numbers for the pool")


# What Pool.act does to one end; "reopen_<kind>" reopens the slot as that kind.
POOL_ACTIONS = ["write", "write", "fill", "drain", "drain", "close"]
POOL_ACTIONS += ["shut_rd", "shut_wr", "oob_send", "oob_recv"]


class Pool:
    """Pipes, socketpairs and regular files, each end at a fixed number.

    Slot ``i`` holds ends ``base + 2i`` and ``base + 2i + 1``, numbers high
    in the table but below FD_SETSIZE (``dup2``): a closed end stays a closed
    number until its slot is reopened with the same number, and objects that
    take the lowest free numbers (epoll instances, dups) never land on a
    number an operation refers to. ``kinds`` gives each slot's first kind
    ("pipe", "socketpair", or "file": ``path`` opened for reading and for
    appending).

    With ``sentinel``, a pipe holding a byte follows the slots (its read end
    always readable, its write end always writable) and then two numbers
    that are never opened (``gone``). ``borrowers`` are the socket and FileIO
    objects using a number (``borrow_socket``/``borrow_file``): they are
    detached or closed when the pool closes the number.
    """

    def __init__(
        self,
        kinds: Sequence[str],
        *,
        base: int | None = None,
        margin: int = 8,
        path: str | None = None,
        sentinel: bool = False,
    ) -> None:
        self.n_slots = len(kinds)
        if base is None:
            base = reserve_block(self.block_size(len(kinds), sentinel), margin)
        self.base = base
        self.path = path
        self.kinds = [""] * self.n_slots
        self.open: set[int] = set()
        self.borrowers: dict[int, list] = {}
        for slot, kind in enumerate(kinds):
            self.reopen(slot, kind)
        if sentinel:
            r, w = os.pipe()
            os.write(w, b"s")
            self._pin(r, self.sentinel(0))
            self._pin(w, self.sentinel(1))

    @staticmethod
    def block_size(n_slots: int, sentinel: bool) -> int:
        """The numbers a pool of ``n_slots`` takes: the slots, then with
        ``sentinel`` its pipe and the two numbers never opened."""
        return 2 * n_slots + (4 if sentinel else 0)

    def fd(self, slot: int, end: int) -> int:
        return self.base + 2 * slot + end

    def sentinel(self, end: int) -> int:
        return self.base + 2 * self.n_slots + end

    def gone(self, k: int) -> int:
        return self.base + 2 * self.n_slots + 2 + k

    def live(self, slot: int, end: int) -> int | None:
        fd = self.fd(slot, end)
        return fd if fd in self.open else None

    def _pin(self, tmp: int, target: int) -> None:
        assert tmp < self.base, "temporary descriptors reached the pool's block"
        os.dup2(tmp, target, inheritable=False)
        os.close(tmp)
        os.set_blocking(target, False)
        self.open.add(target)

    def reopen(self, slot: int, kind: str) -> None:
        """The slot's numbers now name new files (reused descriptor numbers)."""
        for end in (0, 1):
            self.close(slot, end)
        if kind == "pipe":
            ends = os.pipe()
        elif kind == "socketpair":
            a, b = socket.socketpair()
            ends = (a.detach(), b.detach())
        else:
            assert kind == "file" and self.path is not None, kind
            ends = (os.open(self.path, os.O_RDONLY), os.open(self.path, os.O_WRONLY | os.O_APPEND))
        for end, tmp in enumerate(ends):
            self._pin(tmp, self.fd(slot, end))
        self.kinds[slot] = kind

    def _release(self, fd: int) -> None:
        for obj in self.borrowers.pop(fd, []):
            if isinstance(obj, socket.socket):
                obj.detach()  # fileno() is -1 from now on, as after close()
            else:
                obj.close()  # FileIO(closefd=False): fileno() raises ValueError

    def close_number(self, fd: int) -> None:
        if fd in self.open:
            self._release(fd)
            self.open.discard(fd)
            os.close(fd)

    def close(self, slot: int, end: int) -> None:
        self.close_number(self.fd(slot, end))

    def close_all(self) -> None:
        for fd in sorted(self.open):
            self._release(fd)
            with contextlib.suppress(OSError):  # closed behind the pool's back
                os.close(fd)
        self.open.clear()

    def socket_of(self, slot: int, end: int) -> socket.socket | None:
        """A socket object borrowing a live socketpair end (detach() it after use)."""
        fd = self.live(slot, end)
        if fd is None or self.kinds[slot] != "socketpair":
            return None
        return socket.socket(fileno=fd)

    def borrow_socket(self, slot: int, end: int) -> socket.socket | None:
        sock = self.socket_of(slot, end)
        if sock is not None:
            self.borrowers.setdefault(sock.fileno(), []).append(sock)
        return sock

    def borrow_file(self, slot: int, end: int):
        fd = self.live(slot, end)
        if fd is None:
            return None
        f = open(fd, "rb", buffering=0, closefd=False)
        self.borrowers.setdefault(fd, []).append(f)
        return f

    def close_borrower(self, obj) -> None:
        """obj.close(): a socket closes its number, a FileIO only itself."""
        if isinstance(obj, socket.socket):
            fd = obj.fileno()
            if fd < 0:
                return
            self.borrowers.get(fd, []).remove(obj)
            obj.detach()
            self.close_number(fd)
        else:
            with contextlib.suppress(ValueError):
                self.borrowers.get(obj.fileno(), []).remove(obj)
            obj.close()

    def act(self, action: str, slot: int, end: int) -> None:
        """Change the state of one end (POOL_ACTIONS): readable, full,
        drained, closed (its peer sees a hang-up), half-closed, urgent data;
        or ``reopen_<kind>`` the slot."""
        if action.startswith("reopen_"):
            self.reopen(slot, action[len("reopen_") :])
            return
        fd = self.live(slot, end)
        if fd is None:
            return
        file = self.kinds[slot] == "file"
        if action == "close":
            self.close(slot, end)
        elif action == "write":
            with contextlib.suppress(OSError):  # EAGAIN, EPIPE, EBADF (pipe read end)
                os.write(fd, b"w" * 100)
        elif action == "fill":  # until the buffer is full: no longer writable
            chunk = b"f" * (100 if file else 65536)
            with contextlib.suppress(OSError):
                for _ in range(1 if file else 256):
                    os.write(fd, chunk)
        elif action == "drain":
            with contextlib.suppress(OSError):
                for _ in range(1 if file else 256):
                    if not os.read(fd, 1 << 20):
                        break
        else:
            s = self.socket_of(slot, end)
            if s is None:
                return
            try:
                if action == "shut_rd":
                    s.shutdown(socket.SHUT_RD)
                elif action == "shut_wr":
                    s.shutdown(socket.SHUT_WR)
                elif action == "oob_send":  # MSG_OOB on AF_UNIX: POLLPRI on the peer
                    s.send(b"!", socket.MSG_OOB)
                else:
                    assert action == "oob_recv", action
                    s.recv(1, socket.MSG_OOB)
            except OSError:
                pass
            finally:
                s.detach()
