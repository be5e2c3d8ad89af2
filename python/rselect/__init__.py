"""rselect: CPython's ``select`` module rebuilt in Rust.

Use it as ``import rselect as select``, or call :func:`install` to make it the
``select`` module of the running interpreter.
"""

import sys


def _main_interpreter() -> bool:
    """False in a sub-interpreter (``concurrent.interpreters``, 3.12+)."""
    import _thread

    return getattr(_thread, "_is_main_interpreter", lambda: True)()


def _load_compiled() -> None:
    try:
        import rselect._rselect  # noqa: F401
    except ImportError as exc:
        if _main_interpreter():
            raise
        # PyO3 modules load in the main interpreter only; the stock `select`
        # serves sub-interpreters (the startup hook leaves them alone).
        raise ImportError(
            "rselect cannot be imported in a sub-interpreter: its compiled module "
            "loads in the main interpreter only; use the stdlib select module here",
            name="rselect",
        ) from exc


_load_compiled()
from rselect import _rselect
from rselect._install import install, installed, uninstall
from rselect._rselect import *  # noqa: F403  (the select module's namespace)
from rselect._rselect import error, select

__version__: str = _rselect.__version__

# Spelled out per platform (as the stubs are) so that type checkers can read
# it; tests/differential/test_introspection.py checks it against the built module.
__all__ = ["error", "select", "install", "installed", "uninstall"]
if sys.platform != "win32":
    __all__ += [
        "poll",
        "PIPE_BUF",
        "POLLERR",
        "POLLHUP",
        "POLLIN",
        "POLLNVAL",
        "POLLOUT",
        "POLLPRI",
        "POLLRDBAND",
        "POLLRDNORM",
        "POLLWRBAND",
        "POLLWRNORM",
    ]
if sys.platform == "linux":
    __all__ += [
        "POLLMSG",
        "POLLRDHUP",
        "epoll",
        "EPOLLERR",
        "EPOLLEXCLUSIVE",
        "EPOLLET",
        "EPOLLHUP",
        "EPOLLIN",
        "EPOLLMSG",
        "EPOLLONESHOT",
        "EPOLLOUT",
        "EPOLLPRI",
        "EPOLLRDBAND",
        "EPOLLRDHUP",
        "EPOLLRDNORM",
        "EPOLLWRBAND",
        "EPOLLWRNORM",
        "EPOLL_CLOEXEC",
    ]
    if sys.version_info >= (3, 14):
        __all__ += ["EPOLLWAKEUP"]
if sys.platform == "freebsd" or sys.platform.startswith("sunos"):
    __all__ += ["POLLRDHUP"]
if sys.platform.startswith("sunos"):
    __all__ += ["devpoll"]
if sys.platform == "darwin" or "bsd" in sys.platform or sys.platform.startswith("dragonfly"):
    __all__ += ["kqueue", "kevent"]
    __all__ += [n for n in dir(_rselect) if n.startswith("KQ_")]
