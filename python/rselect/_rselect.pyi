# Type stubs for rselect._rselect: the stock ``select`` module's interface,
# platform by platform (the branches follow where CPython defines each name;
# rselect builds the same set). Written for this project, checked against the
# built module by mypy.stubtest on every interpreter the test command runs.

import sys
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Protocol, final

if sys.version_info >= (3, 11):
    from typing import Self
else:
    from typing_extensions import Self

class _HasFileno(Protocol):
    def fileno(self) -> int: ...

_FileDescriptorLike = int | _HasFileno

__version__: str
_build_profile: str
_abi3: bool

error = OSError

if sys.platform != "win32":
    PIPE_BUF: int
    POLLERR: int
    POLLHUP: int
    POLLIN: int
    POLLNVAL: int
    POLLOUT: int
    POLLPRI: int
    POLLRDBAND: int
    POLLRDNORM: int
    POLLWRBAND: int
    POLLWRNORM: int

if sys.platform == "linux":
    POLLMSG: int
    POLLRDHUP: int

if sys.platform == "freebsd" or sys.platform.startswith("sunos"):
    POLLRDHUP: int

def select(
    rlist: Iterable[Any],
    wlist: Iterable[Any],
    xlist: Iterable[Any],
    timeout: float | None = None,
    /,
) -> tuple[list[Any], list[Any], list[Any]]: ...
def _floor(
    op: str,
    loops: int,
    fds: list[int] = ...,
    events: int = 0,
    epfd: int = ...,
    maxevents: int = 0,
    events2: int = 0,
) -> float: ...

if sys.platform != "win32":
    # At run time `poll` is a function returning an object of a type that
    # is not exposed (and calls itself select.poll), as in CPython.
    @final
    class _Poll:
        def register(self, fd: _FileDescriptorLike, eventmask: int = 7, /) -> None: ...
        def modify(self, fd: _FileDescriptorLike, eventmask: int, /) -> None: ...
        def unregister(self, fd: _FileDescriptorLike, /) -> None: ...
        def poll(self, timeout: float | None = None, /) -> list[tuple[int, int]]: ...

    def poll() -> _Poll: ...

if sys.platform == "linux":
    EPOLLERR: int
    EPOLLEXCLUSIVE: int
    EPOLLET: int
    EPOLLHUP: int
    EPOLLIN: int
    EPOLLMSG: int
    EPOLLONESHOT: int
    EPOLLOUT: int
    EPOLLPRI: int
    EPOLLRDBAND: int
    EPOLLRDHUP: int
    EPOLLRDNORM: int
    EPOLLWRBAND: int
    EPOLLWRNORM: int
    EPOLL_CLOEXEC: int
    if sys.version_info >= (3, 14):
        EPOLLWAKEUP: int

    @final
    class epoll:
        def __new__(cls, sizehint: int = -1, flags: int = 0) -> Self: ...
        def __enter__(self) -> Self: ...
        def __exit__(
            self,
            exc_type: type[BaseException] | None = None,
            exc_value: BaseException | None = None,
            exc_tb: TracebackType | None = None,
            /,
        ) -> None: ...
        def close(self) -> None: ...
        @property
        def closed(self) -> bool: ...
        def fileno(self) -> int: ...
        def register(self, fd: _FileDescriptorLike, eventmask: int = 7) -> None: ...
        def modify(self, fd: _FileDescriptorLike, eventmask: int) -> None: ...
        def unregister(self, fd: _FileDescriptorLike) -> None: ...
        def poll(
            self, timeout: float | None = None, maxevents: int = -1
        ) -> list[tuple[int, int]]: ...
        @classmethod
        def fromfd(cls, fd: _FileDescriptorLike, /) -> epoll: ...

# rselect.selectors' hot paths (crates/rselect-py/src/selectors.rs): private,
# called by python/rselect/selectors.py only. `selector` is the selector
# itself, whose class may override _fileobj_lookup / _key_from_fd.
def _selectors_init(key_type: type[tuple[Any, ...]], base: type) -> None: ...
def _selector_lookup(fd_to_key: dict[Any, Any], fileobj: Any) -> Any: ...
def _selector_get_key(fd_to_key: dict[Any, Any], fileobj: Any, selector: Any = None) -> Any: ...
def _selector_register(
    fd_to_key: dict[Any, Any],
    poller: Any,
    fileobj: Any,
    events: Any,
    data: Any,
    read: Any,
    write: Any,
    selector: Any = None,
) -> Any: ...
def _selector_unregister(
    fd_to_key: dict[Any, Any], poller: Any, fileobj: Any, selector: Any = None
) -> Any: ...
def _selector_modify(
    fd_to_key: dict[Any, Any],
    poller: Any,
    fileobj: Any,
    events: Any,
    data: Any,
    read: Any,
    write: Any,
    selector: Any = None,
) -> Any: ...
def _select_selector_ready(
    fd_to_key: dict[Any, Any], r: Any, w: Any, selector: Any = None
) -> list[Any]: ...

if sys.platform != "win32":
    def _poll_selector_select(
        fd_to_key: dict[Any, Any],
        poll: _Poll,
        timeout: Any,
        read: int,
        write: int,
        selector: Any = None,
    ) -> list[Any]: ...

if sys.platform == "linux":
    def _epoll_selector_select(
        fd_to_key: dict[Any, Any],
        epoll: epoll,
        timeout: Any,
        maxevents: int,
        selector: Any = None,
    ) -> list[Any]: ...
