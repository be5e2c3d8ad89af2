"""Selectors module.

High-level I/O multiplexing on top of the rselect primitives: a drop-in for
the stdlib's ``selectors`` of the running interpreter (same classes, methods,
keys, timeouts rules, exceptions and messages), whose per-event work and
registration bookkeeping run in Rust.
"""

# The structure is the stdlib's: the same classes, private attributes
# (``_fd_to_key``, ``_map``, ``_selector``, ``_selector_cls``, ``_EVENT_READ``
# ...) and class hierarchy, so that subclasses, ``unittest.mock`` patches of
# ``_selector_cls`` and code reading ``_map`` keep working. The methods hand
# their work to ``rselect._rselect`` (crates/rselect-py/src/selectors.rs).

import math
import sys
from abc import ABCMeta, abstractmethod
from collections import namedtuple
from collections.abc import Mapping

from rselect import _rselect as select

_lookup = select._selector_lookup
_get_key = select._selector_get_key
_register = select._selector_register
_unregister = select._selector_unregister
_modify = select._selector_modify
_select_ready = select._select_selector_ready
# 3.13 looks keys up in _fd_to_key directly; earlier versions through
# self._key_from_fd(fd), which a subclass may override.
_NO_KEY_FROM_FD = sys.version_info >= (3, 13)

# generic events, that must be mapped to implementation-specific ones
EVENT_READ = 1 << 0
EVENT_WRITE = 1 << 1


def _fileobj_to_fd(fileobj):
    """Return the file descriptor of a file object (or descriptor).

    Raises ValueError for an object without a valid descriptor.
    """
    return _lookup({}, fileobj)


SelectorKey = namedtuple("SelectorKey", ["fileobj", "fd", "events", "data"])
SelectorKey.__module__ = "selectors"
SelectorKey.__doc__ = """SelectorKey(fileobj, fd, events, data)

    What a selector keeps for each registered file object: the object, its
    descriptor, the events waited for and the data attached to it.
"""
SelectorKey.fileobj.__doc__ = "File object registered."
SelectorKey.fd.__doc__ = "Underlying file descriptor."
SelectorKey.events.__doc__ = "Events that must be waited for on this file object."
SelectorKey.data.__doc__ = """Optional opaque data associated to this file object.
For example, this could be used to store a per-client session ID."""
if sys.version_info < (3, 11):
    # 3.10 sets the docs inside an `if` block: its second line is indented.
    SelectorKey.data.__doc__ = SelectorKey.data.__doc__.replace("\nFor", "\n    For")


class _SelectorMapping(Mapping):
    """Mapping of file objects to selector keys."""

    def __init__(self, selector):
        self._selector = selector

    def __len__(self):
        return len(self._selector._fd_to_key)

    if sys.version_info >= (3, 13):

        def get(self, fileobj, default=None):
            fd = self._selector._fileobj_lookup(fileobj)
            return self._selector._fd_to_key.get(fd, default)

        def __getitem__(self, fileobj):
            fd = self._selector._fileobj_lookup(fileobj)
            key = self._selector._fd_to_key.get(fd)
            if key is None:
                raise KeyError(f"{fileobj!r} is not registered")
            return key

    else:

        def __getitem__(self, fileobj):
            try:
                fd = self._selector._fileobj_lookup(fileobj)
                return self._selector._fd_to_key[fd]
            except KeyError:
                raise KeyError(f"{fileobj!r} is not registered") from None

    def __iter__(self):
        return iter(self._selector._fd_to_key)


class BaseSelector(metaclass=ABCMeta):
    """Selector abstract base class.

    A selector watches registered file objects (descriptors, or objects with
    a ``fileno()`` method) for I/O events, each with optional data attached
    (a callback, a session, any object). ``DefaultSelector`` is the most
    efficient implementation the platform offers.
    """

    @abstractmethod
    def register(self, fileobj, events, data=None):
        """Register a file object.

        Parameters:
        fileobj -- file object or file descriptor
        events  -- events to monitor (bitwise mask of EVENT_READ|EVENT_WRITE)
        data    -- attached data

        Returns:
        SelectorKey instance

        Raises:
        ValueError if events is invalid
        KeyError if fileobj is already registered
        OSError if fileobj is closed or otherwise is unacceptable to
                the underlying system call (if a system call is made)

        Note:
        OSError may or may not be raised
        """
        raise NotImplementedError

    @abstractmethod
    def unregister(self, fileobj):
        """Unregister a file object.

        Parameters:
        fileobj -- file object or file descriptor

        Returns:
        SelectorKey instance

        Raises:
        KeyError if fileobj is not registered

        Note:
        A file object closed since it was registered is unregistered without
        an OSError (even if the underlying system call fails).
        """
        raise NotImplementedError

    def modify(self, fileobj, events, data=None):
        """Change the events watched for a registered file object, or its data.

        Parameters:
        fileobj -- file object or file descriptor
        events  -- events to monitor (bitwise mask of EVENT_READ|EVENT_WRITE)
        data    -- attached data

        Returns:
        SelectorKey instance

        Raises:
        Anything that unregister() or register() raises
        """
        self.unregister(fileobj)
        return self.register(fileobj, events, data)

    @abstractmethod
    def select(self, timeout=None):
        """Wait until some registered file objects are ready, or the timeout
        expires.

        Parameters:
        timeout -- if timeout > 0, the longest time to wait, in seconds;
                   if timeout <= 0, do not wait: report what is ready now;
                   if timeout is None, wait until something is ready

        Returns:
        list of (key, events) for ready file objects
        `events` is a bitwise mask of EVENT_READ|EVENT_WRITE
        """
        raise NotImplementedError

    def close(self):  # noqa: B027 (not abstract in the stdlib either)
        """Close the selector.

        Call it to release the resources the selector holds (a descriptor for
        epoll, kqueue and /dev/poll).
        """

    def get_key(self, fileobj):
        """Return the key associated to a registered file object.

        Returns:
        SelectorKey for this file object
        """
        mapping = self.get_map()
        if mapping is None:
            raise RuntimeError("Selector is closed")
        try:
            return mapping[fileobj]
        except KeyError:
            raise KeyError(f"{fileobj!r} is not registered") from None

    @abstractmethod
    def get_map(self):
        """Return a mapping of file objects to selector keys."""
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()


class _BaseSelectorImpl(BaseSelector):
    """Base selector implementation."""

    def __init__(self):
        # this maps file descriptors to keys
        self._fd_to_key = {}
        # read-only mapping returned by get_map()
        self._map = _SelectorMapping(self)

    def _fileobj_lookup(self, fileobj):
        """Return the file descriptor of a file object.

        For an object that has no valid descriptor any more (a closed file),
        the descriptor it was registered with, if it is registered: this is
        how unregister() and the mapping find objects closed since.
        """
        return _lookup(self._fd_to_key, fileobj)

    def register(self, fileobj, events, data=None):
        return _register(self._fd_to_key, None, fileobj, events, data, self)

    def unregister(self, fileobj):
        return _unregister(self._fd_to_key, None, fileobj, self)

    def modify(self, fileobj, events, data=None):
        try:
            key = self._fd_to_key[self._fileobj_lookup(fileobj)]
        except KeyError:
            raise KeyError(f"{fileobj!r} is not registered") from None
        if events != key.events:
            self.unregister(fileobj)
            key = self.register(fileobj, events, data)
        elif data != key.data:
            # Use a shortcut to update the data.
            key = key._replace(data=data)
            self._fd_to_key[key.fd] = key
        return key

    def get_key(self, fileobj):
        mapping = self.get_map()
        if mapping is None:
            raise RuntimeError("Selector is closed")
        if type(mapping) is _SelectorMapping and mapping._selector is self:
            return _get_key(self._fd_to_key, fileobj, self)
        try:
            return mapping[fileobj]
        except KeyError:
            raise KeyError(f"{fileobj!r} is not registered") from None

    get_key.__doc__ = BaseSelector.get_key.__doc__

    def close(self):
        self._fd_to_key.clear()
        self._map = None

    def get_map(self):
        return self._map

    if sys.version_info < (3, 13):

        def _key_from_fd(self, fd):
            """Return the key of a file descriptor, or None if it has none."""
            return self._fd_to_key.get(fd)


# The Rust functions stand for _BaseSelectorImpl's lookups; a subclass that
# overrides _fileobj_lookup (or _key_from_fd) gets its own called instead.
select._selectors_init(SelectorKey, _BaseSelectorImpl)


class SelectSelector(_BaseSelectorImpl):
    """Select-based selector."""

    def __init__(self):
        super().__init__()
        self._readers = set()
        self._writers = set()

    def register(self, fileobj, events, data=None):
        key = super().register(fileobj, events, data)
        if events & EVENT_READ:
            self._readers.add(key.fd)
        if events & EVENT_WRITE:
            self._writers.add(key.fd)
        return key

    def unregister(self, fileobj):
        key = super().unregister(fileobj)
        self._readers.discard(key.fd)
        self._writers.discard(key.fd)
        return key

    if sys.platform == "win32":

        def _select(self, r, w, _, timeout=None):
            r, w, x = select.select(r, w, w, timeout)
            return r, w + x, []

    else:
        _select = select.select

    def select(self, timeout=None):
        timeout = None if timeout is None else max(timeout, 0)
        try:
            r, w, _ = self._select(self._readers, self._writers, [], timeout)
        except InterruptedError:
            return []
        return _select_ready(self._fd_to_key, r, w, self)


class _PollLikeSelector(_BaseSelectorImpl):
    """Base class shared between poll, epoll and devpoll selectors."""

    _selector_cls = None
    _EVENT_READ = None
    _EVENT_WRITE = None

    def __init__(self):
        super().__init__()
        self._selector = self._selector_cls()

    # register/modify/select take the poller's masks (_EVENT_READ,
    # _EVENT_WRITE) from the class, in Rust, when they need them.
    def register(self, fileobj, events, data=None):
        return _register(self._fd_to_key, self._selector, fileobj, events, data, self)

    def unregister(self, fileobj):
        return _unregister(self._fd_to_key, self._selector, fileobj, self)

    def modify(self, fileobj, events, data=None):
        return _modify(self._fd_to_key, self._selector, fileobj, events, data, self)

    def select(self, timeout=None):
        # poll() and devpoll.poll() take milliseconds: round up, so that the
        # wait lasts at least `timeout` seconds.
        if timeout is None:
            timeout = None
        elif timeout <= 0:
            timeout = 0
        else:
            timeout = math.ceil(timeout * 1e3)
        poller = self._selector
        if type(poller) is _poll_type:
            return _poll_select(self._fd_to_key, poller, timeout, self)
        # A poller of another kind (devpoll, or a test double).
        ready = []
        try:
            fd_event_list = poller.poll(timeout)
        except InterruptedError:
            return ready
        fd_to_key_get = self._fd_to_key.get if _NO_KEY_FROM_FD else self._key_from_fd
        not_read = ~self._EVENT_READ
        not_write = ~self._EVENT_WRITE
        for fd, event in fd_event_list:
            key = fd_to_key_get(fd)
            if key:
                events = (event & not_read and EVENT_WRITE) | (event & not_write and EVENT_READ)
                ready.append((key, events & key.events))
        return ready


_poll_type = type(select.poll()) if hasattr(select, "poll") else None
if _poll_type is not None:
    _poll_select = select._poll_selector_select

    class PollSelector(_PollLikeSelector):
        """Poll-based selector."""

        _selector_cls = select.poll
        _EVENT_READ = select.POLLIN
        _EVENT_WRITE = select.POLLOUT


if hasattr(select, "epoll"):
    _epoll_select = select._epoll_selector_select

    class EpollSelector(_PollLikeSelector):
        """Epoll-based selector."""

        _selector_cls = select.epoll
        _EVENT_READ = select.EPOLLIN
        _EVENT_WRITE = select.EPOLLOUT

        def fileno(self):
            return self._selector.fileno()

        def select(self, timeout=None):
            # epoll_wait() counts in milliseconds: round up, so that the wait
            # lasts at least `timeout` seconds.
            if timeout is None:
                timeout = -1
            elif timeout <= 0:
                timeout = 0
            else:
                timeout = math.ceil(timeout * 1e3) * 1e-3
            # maxevents must be positive, also with nothing registered.
            max_ev = len(self._fd_to_key) or 1
            poller = self._selector
            if type(poller) is select.epoll:
                return _epoll_select(self._fd_to_key, poller, timeout, max_ev, self)
            ready = []
            try:
                fd_event_list = poller.poll(timeout, max_ev)
            except InterruptedError:
                return ready
            fd_to_key_get = self._fd_to_key.get if _NO_KEY_FROM_FD else self._key_from_fd
            for fd, event in fd_event_list:
                key = fd_to_key_get(fd)
                if key:
                    events = (event & _NOT_EPOLLIN and EVENT_WRITE) | (
                        event & _NOT_EPOLLOUT and EVENT_READ
                    )
                    ready.append((key, events & key.events))
            return ready

        def close(self):
            self._selector.close()
            super().close()

    _NOT_EPOLLIN = ~select.EPOLLIN
    _NOT_EPOLLOUT = ~select.EPOLLOUT


if hasattr(select, "devpoll"):

    class DevpollSelector(_PollLikeSelector):
        """Solaris /dev/poll selector."""

        _selector_cls = select.devpoll
        _EVENT_READ = select.POLLIN
        _EVENT_WRITE = select.POLLOUT

        def fileno(self):
            return self._selector.fileno()

        def close(self):
            self._selector.close()
            super().close()


if hasattr(select, "kqueue"):
    # gh-110038 (in 3.11.7, 3.12.1 and 3.13): max_ev counts the kevents
    # registered (two for a file object watched for both events), where
    # earlier versions count keys and miss events.
    _COUNT_KEVENTS = sys.version_info >= (3, 12, 1) or (3, 11, 7) <= sys.version_info < (3, 12)

    class KqueueSelector(_BaseSelectorImpl):
        """Kqueue-based selector."""

        def __init__(self):
            super().__init__()
            self._selector = select.kqueue()
            if _COUNT_KEVENTS:
                self._max_events = 0

        def fileno(self):
            return self._selector.fileno()

        def register(self, fileobj, events, data=None):
            key = super().register(fileobj, events, data)
            try:
                if events & EVENT_READ:
                    kev = select.kevent(key.fd, select.KQ_FILTER_READ, select.KQ_EV_ADD)
                    self._selector.control([kev], 0, 0)
                    if _COUNT_KEVENTS:
                        self._max_events += 1
                if events & EVENT_WRITE:
                    kev = select.kevent(key.fd, select.KQ_FILTER_WRITE, select.KQ_EV_ADD)
                    self._selector.control([kev], 0, 0)
                    if _COUNT_KEVENTS:
                        self._max_events += 1
            except:
                super().unregister(fileobj)
                raise
            return key

        def unregister(self, fileobj):
            key = super().unregister(fileobj)
            if key.events & EVENT_READ:
                kev = select.kevent(key.fd, select.KQ_FILTER_READ, select.KQ_EV_DELETE)
                if _COUNT_KEVENTS:
                    self._max_events -= 1
                try:
                    self._selector.control([kev], 0, 0)
                except OSError:
                    # The descriptor may have been closed since registration.
                    pass
            if key.events & EVENT_WRITE:
                kev = select.kevent(key.fd, select.KQ_FILTER_WRITE, select.KQ_EV_DELETE)
                if _COUNT_KEVENTS:
                    self._max_events -= 1
                try:
                    self._selector.control([kev], 0, 0)
                except OSError:
                    pass
            return key

        def select(self, timeout=None):
            timeout = None if timeout is None else max(timeout, 0)
            # With max_ev == 0 kqueue would ignore the timeout (bpo-29255).
            if _COUNT_KEVENTS:
                max_ev = self._max_events or 1
            else:
                max_ev = len(self._fd_to_key) or 1
            ready = []
            try:
                kev_list = self._selector.control(None, max_ev, timeout)
            except InterruptedError:
                return ready
            fd_to_key_get = self._fd_to_key.get if _NO_KEY_FROM_FD else self._key_from_fd
            for kev in kev_list:
                fd = kev.ident
                flag = kev.filter
                key = fd_to_key_get(fd)
                if key:
                    events = (flag == select.KQ_FILTER_READ and EVENT_READ) | (
                        flag == select.KQ_FILTER_WRITE and EVENT_WRITE
                    )
                    ready.append((key, events & key.events))
            return ready

        def close(self):
            self._selector.close()
            super().close()


def _can_use(method):
    """Whether ``select.<method>`` exists and works on this system (it may
    exist and fail with ENOSYS)."""
    selector = getattr(select, method, None)
    if selector is None:
        return False
    try:
        selector_obj = selector()
        if method == "poll":
            selector_obj.poll(0)
        else:
            selector_obj.close()
        return True
    except OSError:
        return False


# The best implementation: epoll|kqueue|devpoll > poll > select (which also
# has the FD_SETSIZE limit on most platforms).
if _can_use("kqueue"):
    DefaultSelector = KqueueSelector
elif _can_use("epoll"):
    DefaultSelector = EpollSelector
elif _can_use("devpoll"):
    DefaultSelector = DevpollSelector
elif _can_use("poll"):
    DefaultSelector = PollSelector
else:
    DefaultSelector = SelectSelector


# The stock classes say `selectors` (reprs, pickling by reference, help()).
for _cls in (
    _SelectorMapping,
    BaseSelector,
    _BaseSelectorImpl,
    SelectSelector,
    _PollLikeSelector,
    *(globals().get(n) for n in ("PollSelector", "EpollSelector", "DevpollSelector")),
    globals().get("KqueueSelector"),
):
    if _cls is not None:
        _cls.__module__ = "selectors"
del _cls
