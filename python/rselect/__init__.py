"""rselect: CPython's ``select`` module rebuilt in Rust.

Use it as ``import rselect as select``, or call :func:`install` to make it the
``select`` module of the running interpreter.
"""

from rselect import _rselect
from rselect._install import install, installed, uninstall
from rselect._rselect import *  # noqa: F403  (the select module's namespace)
from rselect._rselect import error, poll, select

__version__: str = _rselect.__version__

__all__ = [
    "error",
    "poll",
    "select",
    *(name for name in dir(_rselect) if name.isupper()),
    *(["epoll"] if hasattr(_rselect, "epoll") else []),
    "install",
    "installed",
    "uninstall",
]
