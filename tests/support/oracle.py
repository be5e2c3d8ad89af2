"""The differential oracle: run one call through the stock module or
rselect and keep what happened, so that the two outcomes can be compared.

Standard library only (tools/fuzz/ imports this).
"""

from __future__ import annotations

import ctypes
import select as stock
import warnings
from collections.abc import Callable
from typing import Any

import rselect

assert stock.__name__ == "select", "the stock module must be the one imported as select"

try:
    _errno_location = ctypes.CDLL(None).__errno_location
    _errno_location.restype = ctypes.POINTER(ctypes.c_int)
    _ERRNO = _errno_location()  # the calling thread's errno (glibc, musl)
except (AttributeError, OSError):  # pragma: no cover - not glibc/musl
    _ERRNO = None


def clear_errno() -> None:
    """errno = 0 (of the thread that first imported this module): a call that
    reports a stale errno (epoll.fromfd(-2) raises OSError from whatever
    errno holds) then sees the same value in both implementations."""
    if _ERRNO is not None:
        _ERRNO[0] = 0


def outcome(
    call: Callable[[], Any],
    *,
    notes: bool = True,
    reset_errno: bool = False,
    catch_base: bool = False,
    chaining: bool = False,
) -> tuple:
    """``("ok", value, warnings)`` or ``("raise", type, message, errno, warnings)``,
    ``warnings`` a tuple of (category, message).

    ``notes``: the exception's notes (PEP 678) are part of the message, as a
    traceback shows them (CPython's errors here carry none). ``reset_errno``:
    errno = 0 before the call (single-threaded callers only). ``catch_base``:
    a BaseException other than KeyboardInterrupt and SystemExit (PyO3's
    PanicException) is an outcome too, not an error of the caller.
    ``chaining``: a raise also holds how the exception was chained
    (``__suppress_context__``, no ``__cause__``, the type of ``__context__``),
    after the errno.
    """
    caught_types = BaseException if catch_base else Exception
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if reset_errno:
                clear_errno()
            value = call()
        except (KeyboardInterrupt, SystemExit):
            raise
        except caught_types as exc:
            message = str(exc)
            if notes:
                message += "".join(f"\n[note] {n}" for n in getattr(exc, "__notes__", ()))
            result: tuple = ("raise", type(exc), message, getattr(exc, "errno", None))
            if chaining:
                result += (exc.__suppress_context__, exc.__cause__ is None, type(exc.__context__))
        else:
            result = ("ok", value)
    return (*result, tuple((w.category, str(w.message)) for w in caught))


__all__ = ["clear_errno", "outcome", "rselect", "stock"]
