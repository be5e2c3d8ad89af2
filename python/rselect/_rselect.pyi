# Type stubs for rselect._rselect: the stock ``select`` module's interface,
# platform by platform (the branches follow where CPython defines each name;
# rselect builds the same set). Written for this project, checked against the
# built module by mypy.stubtest on every interpreter the test command runs.

import sys
from collections.abc import Iterable
from types import TracebackType
from typing import Any, ClassVar, Protocol, final

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

# Platform groups. mypy only understands `sys.platform == "..."` and
# `sys.platform.startswith("...")` tests, so each group is spelled out where
# it is used. The BSDs report their major version in sys.platform
# ("freebsd14", "netbsd10", "openbsd7", "dragonfly6"), hence `startswith`;
# illumos and Solaris both report "sunos5". The Rust module decides what
# exists from its build target (crates/rselect-py/build.rs, lib.rs):
# - epoll and its constants: Linux and Android;
# - kqueue, kevent and the KQ_* constants: macOS, iOS, FreeBSD, NetBSD,
#   OpenBSD and DragonFly, one and the same set of names on each;
# - devpoll: illumos and Solaris;
# - POLLMSG: Linux and Android; POLLRDHUP: those two, FreeBSD and illumos.

if sys.platform == "linux" or sys.platform == "android":
    POLLMSG: int
    POLLRDHUP: int

if sys.platform.startswith("freebsd") or sys.platform.startswith("sunos"):
    # (A Solaris build has no POLLRDHUP; sys.platform cannot tell it apart.)
    POLLRDHUP: int

def select(
    rlist: Iterable[Any],
    wlist: Iterable[Any],
    xlist: Iterable[Any],
    timeout: float | None = None,
    /,
) -> tuple[list[Any], list[Any], list[Any]]: ...

if sys.platform != "win32":
    # The benchmarks' floor: the bare system calls timed in Rust (private).
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

if sys.platform == "linux" or sys.platform == "android":
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
        # fromfd() takes a plain int (a C int), not an object with fileno().
        @classmethod
        def fromfd(cls, fd: int, /) -> epoll: ...

if sys.platform.startswith("sunos"):
    # At run time `devpoll` is a function returning an object of a type that
    # is not exposed (and calls itself select.devpoll), as in CPython.
    # Registrations are queued and written to /dev/poll in batches; unlike
    # poll's, modify()'s eventmask is optional. No context manager, no fromfd.
    @final
    class _DevPoll:
        def register(self, fd: _FileDescriptorLike, eventmask: int = 7, /) -> None: ...
        def modify(self, fd: _FileDescriptorLike, eventmask: int = 7, /) -> None: ...
        def unregister(self, fd: _FileDescriptorLike, /) -> None: ...
        def poll(self, timeout: float | None = None, /) -> list[tuple[int, int]]: ...
        def close(self) -> None: ...
        @property
        def closed(self) -> bool: ...
        def fileno(self) -> int: ...

    def devpoll() -> _DevPoll: ...

if (
    sys.platform == "darwin"
    or sys.platform == "ios"
    or sys.platform.startswith("freebsd")
    or sys.platform.startswith("netbsd")
    or sys.platform.startswith("openbsd")
    or sys.platform.startswith("dragonfly")
):
    # Filters (the kevent `filter` field).
    KQ_FILTER_AIO: int
    KQ_FILTER_PROC: int
    KQ_FILTER_READ: int
    KQ_FILTER_SIGNAL: int
    KQ_FILTER_TIMER: int
    KQ_FILTER_VNODE: int
    KQ_FILTER_WRITE: int
    # Actions and returned flags (the `flags` field).
    KQ_EV_ADD: int
    KQ_EV_CLEAR: int
    KQ_EV_DELETE: int
    KQ_EV_DISABLE: int
    KQ_EV_ENABLE: int
    KQ_EV_EOF: int
    KQ_EV_ERROR: int
    KQ_EV_FLAG1: int
    KQ_EV_ONESHOT: int
    KQ_EV_SYSFLAGS: int
    # Filter-specific flags (the `fflags` field): read/write, vnode, proc.
    # (CPython's KQ_FILTER_NETDEV and KQ_NOTE_LINK{UP,DOWN,INV} need
    # EVFILT_NETDEV, which none of these systems defines: never present.)
    KQ_NOTE_LOWAT: int
    KQ_NOTE_ATTRIB: int
    KQ_NOTE_DELETE: int
    KQ_NOTE_EXTEND: int
    KQ_NOTE_LINK: int
    KQ_NOTE_RENAME: int
    KQ_NOTE_REVOKE: int
    KQ_NOTE_WRITE: int
    KQ_NOTE_CHILD: int
    KQ_NOTE_EXEC: int
    KQ_NOTE_EXIT: int
    KQ_NOTE_FORK: int
    KQ_NOTE_PCTRLMASK: int
    KQ_NOTE_PDATAMASK: int
    KQ_NOTE_TRACK: int
    KQ_NOTE_TRACKERR: int

    # One `struct kevent`: every field is an int that can be read and
    # assigned (with C's truncation rules), none can be deleted.
    # Instances compare field by field and are not hashable.
    @final
    class kevent:
        ident: int
        filter: int
        flags: int
        fflags: int
        data: int
        udata: int
        # No text signature at run time (as in CPython): the defaults of
        # `filter` and `flags` are KQ_FILTER_READ and KQ_EV_ADD, whose values
        # depend on the system. `ident` is an int or has a fileno() method.
        def __init__(
            self,
            ident: _FileDescriptorLike,
            filter: int = ...,
            flags: int = ...,
            fflags: int = 0,
            data: int = 0,
            udata: int = 0,
        ) -> None: ...
        def __eq__(self, value: object, /) -> bool: ...
        def __ne__(self, value: object, /) -> bool: ...
        def __lt__(self, value: kevent, /) -> bool: ...
        def __le__(self, value: kevent, /) -> bool: ...
        def __gt__(self, value: kevent, /) -> bool: ...
        def __ge__(self, value: kevent, /) -> bool: ...
        __hash__: ClassVar[None]  # type: ignore[assignment]

    # A kernel event queue. No context manager (unlike epoll); in a child
    # process after fork() it reads as closed (CPython 3.12.1 and later).
    @final
    class kqueue:
        def __new__(cls) -> Self: ...
        def close(self) -> None: ...
        @property
        def closed(self) -> bool: ...
        def fileno(self) -> int: ...
        @classmethod
        def fromfd(cls, fd: int, /) -> kqueue: ...
        # Submits `changelist` (None for no changes), then waits up to
        # `timeout` seconds (None: forever) for at most `maxevents` events.
        def control(
            self,
            changelist: Iterable[kevent] | None,
            maxevents: int,
            timeout: float | None = None,
            /,
        ) -> list[kevent]: ...

# rselect.selectors' hot paths (crates/rselect-py/src/selectors.rs): private,
# called by python/rselect/selectors.py only. `selector` is the selector
# itself, whose class may override _fileobj_lookup / _key_from_fd.
def _selectors_init(key_type: type[tuple[Any, ...]], base: type) -> None: ...
def _selector_lookup(fd_to_key: dict[Any, Any], fileobj: Any) -> Any: ...
def _selector_get_key(fd_to_key: dict[Any, Any], fileobj: Any, selector: Any = None) -> Any: ...
def _selector_register(
    fd_to_key: dict[Any, Any], poller: Any, fileobj: Any, events: Any, data: Any, selector: Any
) -> Any: ...
def _selector_unregister(
    fd_to_key: dict[Any, Any], poller: Any, fileobj: Any, selector: Any = None
) -> Any: ...
def _selector_modify(
    fd_to_key: dict[Any, Any], poller: Any, fileobj: Any, events: Any, data: Any, selector: Any
) -> Any: ...
def _select_selector_ready(
    fd_to_key: dict[Any, Any], r: Any, w: Any, selector: Any = None
) -> list[Any]: ...

if sys.platform != "win32":
    def _poll_selector_select(
        fd_to_key: dict[Any, Any], poll: _Poll, timeout: Any, selector: Any
    ) -> list[Any]: ...

if sys.platform == "linux" or sys.platform == "android":
    def _epoll_selector_select(
        fd_to_key: dict[Any, Any],
        epoll: epoll,
        timeout: Any,
        maxevents: int,
        selector: Any = None,
    ) -> list[Any]: ...
