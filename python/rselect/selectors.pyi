# Type stubs for rselect.selectors: the stdlib selectors interface, with the
# classes each platform has. Checked against the module by mypy.stubtest in
# `make typecheck`, per interpreter.

import sys
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, Protocol, TypeAlias

from typing_extensions import Self

class _HasFileno(Protocol):
    def fileno(self) -> int: ...

_FileObject: TypeAlias = int | _HasFileno
_EventMask: TypeAlias = int

EVENT_READ: _EventMask
EVENT_WRITE: _EventMask

class SelectorKey(NamedTuple):
    fileobj: _FileObject
    fd: int
    events: _EventMask
    data: Any

class _SelectorMapping(Mapping[_FileObject, SelectorKey]):
    def __init__(self, selector: _BaseSelectorImpl) -> None: ...
    def __len__(self) -> int: ...
    def __getitem__(self, fileobj: _FileObject) -> SelectorKey: ...
    def __iter__(self) -> Iterator[Any]: ...
    if sys.version_info >= (3, 13):
        def get(self, fileobj: _FileObject, default: Any = None) -> SelectorKey | Any: ...  # type: ignore[override]

class BaseSelector(metaclass=ABCMeta):
    @abstractmethod
    def register(
        self, fileobj: _FileObject, events: _EventMask, data: Any = None
    ) -> SelectorKey: ...
    @abstractmethod
    def unregister(self, fileobj: _FileObject) -> SelectorKey: ...
    def modify(self, fileobj: _FileObject, events: _EventMask, data: Any = None) -> SelectorKey: ...
    @abstractmethod
    def select(self, timeout: float | None = None) -> list[tuple[SelectorKey, _EventMask]]: ...
    def close(self) -> None: ...
    def get_key(self, fileobj: _FileObject) -> SelectorKey: ...
    @abstractmethod
    def get_map(self) -> Mapping[_FileObject, SelectorKey]: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *args: object) -> None: ...

class _BaseSelectorImpl(BaseSelector, metaclass=ABCMeta):
    _fd_to_key: dict[Any, SelectorKey]
    _map: _SelectorMapping | None
    def __init__(self) -> None: ...
    def _fileobj_lookup(self, fileobj: _FileObject) -> int: ...
    def register(
        self, fileobj: _FileObject, events: _EventMask, data: Any = None
    ) -> SelectorKey: ...
    def unregister(self, fileobj: _FileObject) -> SelectorKey: ...
    def get_map(self) -> Mapping[_FileObject, SelectorKey]: ...
    if sys.version_info < (3, 13):
        def _key_from_fd(self, fd: int) -> SelectorKey | None: ...

class SelectSelector(_BaseSelectorImpl):
    _readers: set[int]
    _writers: set[int]
    def select(self, timeout: float | None = None) -> list[tuple[SelectorKey, _EventMask]]: ...

class _PollLikeSelector(_BaseSelectorImpl):
    _selector_cls: Callable[[], Any] | None
    _EVENT_READ: int | None
    _EVENT_WRITE: int | None
    _selector: Any
    def select(self, timeout: float | None = None) -> list[tuple[SelectorKey, _EventMask]]: ...

if sys.platform != "win32":
    class PollSelector(_PollLikeSelector): ...

if sys.platform == "linux":
    class EpollSelector(_PollLikeSelector):
        def fileno(self) -> int: ...

if sys.platform != "linux" and sys.platform != "win32":
    # devpoll on illumos/Solaris, kqueue on macOS and the BSDs.
    class DevpollSelector(_PollLikeSelector):
        def fileno(self) -> int: ...

    class KqueueSelector(_BaseSelectorImpl):
        _selector: Any
        def fileno(self) -> int: ...
        def select(self, timeout: float | None = None) -> list[tuple[SelectorKey, _EventMask]]: ...

def _fileobj_to_fd(fileobj: _FileObject) -> int: ...
def _can_use(method: str) -> bool: ...

if sys.platform == "linux":
    DefaultSelector = EpollSelector
elif sys.platform == "win32":
    DefaultSelector = SelectSelector
else:
    DefaultSelector: type[BaseSelector]
