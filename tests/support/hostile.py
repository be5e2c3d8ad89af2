"""Hostile and helper objects given to select()/poll/epoll/selectors as
descriptors, ints, timeouts, lists or data, and the bad calls of poll and epoll.

One class per behaviour: a test that needs another exception or message
passes it. Standard library only (tools/fuzz/ imports this).
"""

from __future__ import annotations

import os
from typing import Any

from .fds import is_open

# -- integers and reals --------------------------------------------------------------------


class IntSub(int):
    def __repr__(self) -> str:
        return f"IntSub({int(self)})"


class FloatSub(float):
    def __repr__(self) -> str:
        return f"FloatSub({float(self)!r})"


class Index:
    """An integer only through ``__index__`` (which may return anything)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __index__(self) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"Index({self.value!r})"


class IndexRaises:
    def __init__(self, exc: type[BaseException] = ValueError) -> None:
        self.exc = exc

    def __index__(self) -> int:
        raise self.exc("__index__ failed")


class Real:
    """A real number only through ``__float__`` (a timeout from 3.15, gh-67795)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __float__(self) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"Real({self.value!r})"


class RealRaises:
    def __init__(self, exc: type[BaseException] = ZeroDivisionError) -> None:
        self.exc = exc

    def __float__(self) -> float:
        raise self.exc("__float__ failed")


# -- file objects ----------------------------------------------------------------------------


class Fileno:
    """``fileno()`` returns a fixed value; ``closed`` makes it raise ValueError."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.closed = False

    def fileno(self) -> Any:
        if self.closed:
            raise ValueError("I/O operation on closed wrapper")
        return self.value

    def __repr__(self) -> str:
        return f"Fileno({self.value!r}{', closed' if self.closed else ''})"


class FilenoRaises:
    def __init__(
        self, exc: type[BaseException] = ZeroDivisionError, message: str = "fileno() failed"
    ) -> None:
        self.exc = exc
        self.message = message

    def fileno(self) -> int:
        raise self.exc(self.message)

    def __repr__(self) -> str:
        return f"FilenoRaises({self.exc.__name__})"


class FilenoLookupRaises:
    @property
    def fileno(self) -> Any:
        raise ZeroDivisionError("fileno lookup failed")


class FilenoGetattr:
    """``fileno`` comes from ``__getattr__`` (no attribute on the type); with
    ``fd`` None, ``__getattr__`` says it is absent."""

    def __init__(self, fd: int | None = None) -> None:
        self._fd = fd

    def __getattr__(self, name: str) -> Any:
        if name == "fileno" and self._fd is not None:
            fd = self._fd
            return lambda: fd
        raise AttributeError(name)


class FilenoNotCallable:
    fileno = 3


# (number, saved dup) of the descriptors closed by FilenoCloses(restore=True).
_TO_RESTORE: list[tuple[int, int]] = []


class FilenoCloses:
    """``fileno()`` closes its descriptor, then returns its number.

    With ``restore``, the open file is kept by a dup that ``restore_fds()``
    puts back (dup2), so that a second implementation sees the same state.
    """

    def __init__(self, fd: int, restore: bool = False) -> None:
        self.fd = fd
        self.restore = restore

    def fileno(self) -> int:
        if not self.restore:
            os.close(self.fd)
        elif is_open(self.fd):
            saved = os.dup(self.fd)
            _TO_RESTORE.append((self.fd, saved))
            os.close(self.fd)
        return self.fd


def restore_fds() -> None:
    """Put back every descriptor a FilenoCloses(restore=True) closed."""
    while _TO_RESTORE:
        fd, saved = _TO_RESTORE.pop()
        os.dup2(saved, fd, inheritable=False)
        os.close(saved)


class Mutator:
    """``fileno()`` deletes the last item of ``target`` (the list being converted)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.target: list | None = None

    def fileno(self) -> int:
        if self.target:
            del self.target[-1]
        return self.fd


# -- data compared by the selectors ------------------------------------------------------------


class RaisingEq:
    """Data whose comparison raises."""

    def __eq__(self, other: object) -> bool:
        raise ZeroDivisionError("data comparison")

    __ne__ = __eq__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "RaisingEq()"


class EqualToAll:
    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "EqualToAll()"


def raising_iter(items: Any, exc: BaseException | None = None) -> Any:
    """Yield ``items``, then raise ``exc`` (KeyError by default)."""
    yield from items
    raise exc if exc is not None else KeyError("iteration failed")


# -- calls the argument parser refuses ---------------------------------------------------------

# poll and epoll methods called with a wrong number or wrong keywords of
# arguments: TypeError from both modules (the texts differ: PyO3 words them).
POLL_BAD_CALLS = [
    lambda p, fd: p.register(),
    lambda p, fd: p.register(fd=fd),
    lambda p, fd: p.register(fd, 1, 2),
    lambda p, fd: p.modify(fd),
    lambda p, fd: p.modify(fd=fd, eventmask=1),
    lambda p, fd: p.unregister(),
    lambda p, fd: p.unregister(fd, 1),
    lambda p, fd: p.poll(0, 0),
    lambda p, fd: p.poll(timeout=0),
]

EPOLL_BAD_CALLS = [
    lambda e, fd: e.register(),
    lambda e, fd: e.register(fd, 1, 2),
    lambda e, fd: e.register(fd, fd=fd),
    lambda e, fd: e.register(fd, bogus=1),
    lambda e, fd: e.modify(fd),
    lambda e, fd: e.modify(eventmask=1),
    lambda e, fd: e.unregister(),
    lambda e, fd: e.unregister(fd, 1),
    lambda e, fd: e.poll(0, 1, 2),
    lambda e, fd: e.poll(0, timeout=0),
    lambda e, fd: e.close(1),
    lambda e, fd: e.fileno(1),
    lambda e, fd: e.fromfd(),
    lambda e, fd: e.fromfd(fd=fd),
    lambda e, fd: e.__exit__(1, 2, 3, 4),
    lambda e, fd: e.__enter__(1),
]
