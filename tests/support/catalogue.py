"""The bad input catalogue (docs/reliability.md, "7. Bad input catalogue"):
every class of bad input to the module's functions and objects, by API
(docs/bad-input.md, sections 1-8), with what rselect does with it.

``TABLE`` is the one list of entries: spec section, API, input class, and a
``call(m, fds)`` that makes the call through the module ``m`` over real
descriptors (``fds``: a fresh pipe, a regular file and a closed descriptor
number for each run).

* ``oracle="stock"``: the call runs through the stock ``select`` module and
  through rselect, one after the other with fresh descriptors each, and the
  outcomes (exception type, message, errno, args, filename, warnings, or the
  returned value) must be identical.
* ``oracle="spec"`` (devpoll, kqueue, kevent: sections 6-8, which the stock
  module does not have on Linux): the call runs through the test build of
  rselect (``scripts/build-testing.sh``, ``target/testing/X.Y``, which exposes
  the portable parts as ``rselect._rselect._testing``) in a child process, and
  the outcome must be the one the spec states (type and message, errno where
  it states one). Without a test build those entries are skipped.

A few differences from stock are intended and listed in README.md
("Differences from the stdlib"); entries hitting them name the difference
(``documented=``) and check what the README promises instead of equality.

The table is the same on every interpreter; where CPython changed, the entry
says so instead of leaving the table: ``accepted_from=(3, 15)`` is an input
that the stock module of that version and later accepts (no longer bad input
there: the test asserts that stock accepts it and rselect returns the same),
``raises_from`` a quirk that raises from that version, ``bug_until`` an
undocumented difference that ends because stock changed. Spec expectations
that depend on the version are callables reading ``PY``. Every call that a
version accepts is made so that it cannot block (a ready descriptor, or a
zero timeout); a watchdog ends the process if a call still hangs.

tests/reliability/test_bad_input_catalogue.py checks every entry on the running
interpreter; ``tools/catalogue.py`` runs the table on each interpreter and
writes docs/bad-input.md, which ``test_doc_is_generated_from_this_table``
compares with what this interpreter does.
"""

from __future__ import annotations

import decimal
import faulthandler
import fcntl
import fractions
import json
import operator
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .hostile import (
    Fileno,
    FilenoCloses,
    FilenoGetattr,
    FilenoLookupRaises,
    FilenoNotCallable,
    FilenoRaises,
    Index,
    Real,
    RealRaises,
)
from .oracle import outcome, rselect, stock

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "bad-input.md"
PY = sys.version_info
VERSION = f"{PY[0]}.{PY[1]}"
TESTING_BUILD = ROOT / "target" / "testing" / VERSION

POLLIN, POLLPRI, POLLOUT = 1, 2, 4
EPOLLIN, EPOLLOUT = 1, 4


# --- descriptors ---------------------------------------------------------------------------


class Fds:
    """Real descriptors for one run of one entry: ``r``/``w`` an empty pipe,
    ``file`` a regular file, ``closed`` a number that is not open (taken at
    or above 700, so nothing the call itself opens reuses it)."""

    def __enter__(self) -> Fds:
        self.r, self.w = os.pipe()
        self.file = os.open(__file__, os.O_RDONLY | os.O_CLOEXEC)
        self.closed = fcntl.fcntl(self.r, fcntl.F_DUPFD_CLOEXEC, 700)
        os.close(self.closed)
        return self

    def __exit__(self, *exc: object) -> None:
        for fd in (self.r, self.w, self.file):
            os.close(fd)


# --- hostile objects -------------------------------------------------------------------------


class Nested:
    class Fileno:
        """``fileno()`` returns a str, in a nested class (its qualified name
        has two parts: 3.15's message names it)."""

        def fileno(self) -> object:
            return "3"


class IterRaises:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def __iter__(self) -> Any:
        raise self.exc


def _raising_gen(first: object) -> Any:
    yield first
    raise ZeroDivisionError("iteration failed")


# --- spec expectations ---------------------------------------------------------------------


def raises(exc: type[BaseException], message: str, errno: int | None = None) -> dict:
    return {
        "kind": "raise",
        "type": exc.__name__,
        "message": message,
        "errno": errno,
        "warnings": [],
    }


def returns(*warns: tuple[type[Warning], str]) -> dict:
    return {"kind": "ok", "warnings": [[w.__name__, m] for w, m in warns]}


FILDES = "argument must be an int, or have a fileno() method."
CINT_OVERFLOW = "Python int too large to convert to C int"


def qualified_name(tp: type) -> str:
    """``%T`` of a CPython message: the type's module and qualified name,
    without the module for builtins and __main__."""
    if tp.__module__ in ("builtins", "__main__"):
        return tp.__qualname__
    return f"{tp.__module__}.{tp.__qualname__}"


def non_int_fileno(owner: type, result: type) -> dict:
    """``fileno()`` returned something that is not an int: spec 1.1; 3.15
    names both types."""
    if PY >= (3, 15):
        return raises(
            TypeError,
            f"{qualified_name(owner)}.fileno() must return an int, not {qualified_name(result)}",
        )
    return raises(TypeError, "fileno() returned a non-integer")


def not_integer(name: str) -> str:
    return f"'{name}' object cannot be interpreted as an integer"


def pytime_int_overflow() -> str:
    """An int timeout outside int64 (or overflowing it once scaled): spec 1.3;
    3.14 has one text for ints and floats."""
    if PY >= (3, 14):
        return "timestamp out of range for C PyTime_t"
    return "timestamp too large to convert to C " + ("PyTime_t" if PY >= (3, 13) else "_PyTime_t")


def pytime_float_overflow() -> str:
    """A float timeout out of range: spec 1.3 (3.11+); 3.10 still used the
    _PyTime_t text for floats (docs/design.md, "CPython's quirks")."""
    if PY < (3, 11):
        return pytime_int_overflow()
    if PY >= (3, 14):
        return "timestamp out of range for C PyTime_t"
    return "timestamp out of range for platform time_t"


def ushort_mask(value: object) -> dict:
    """poll/devpoll's unsigned short event mask (spec 4.2, 6.2): up to 3.13
    exact ints only; from 3.14 (gh-132987) ``__index__`` objects too, and
    new texts."""
    if PY < (3, 14):
        if not isinstance(value, int):
            return raises(TypeError, "an integer is required")
        if value < 0:
            return raises(ValueError, "value must be positive")
        if value >= 2**64:
            return raises(OverflowError, "Python int too large to convert to C unsigned long")
    else:
        if not hasattr(type(value), "__index__"):
            return raises(TypeError, not_integer(type(value).__name__))
        value = operator.index(value)
        if value < 0:
            return raises(ValueError, "Cannot convert negative int")
    assert isinstance(value, int)
    if value >= 2**16:
        return raises(OverflowError, "Python int too large for C unsigned short")
    return returns()


def bitwise_range(value: int, bits: int) -> dict:
    """A bitwise unsigned argument (kevent flags ``H``, fflags ``I``, udata
    ``K``): reduced modulo 2**bits; from 3.15 (gh-132629) a value outside both
    the unsigned and the signed range warns first (measured: 3.15's
    ``_testcapi.getargs_H/I/K``)."""
    if PY >= (3, 15) and not -(2 ** (bits - 1)) <= value < 2**bits:
        return returns((DeprecationWarning, "integer value out of range"))
    return returns()


def bool_fd_warning() -> dict:
    """A bool used as a descriptor: accepted, with a warning from 3.13 (spec 1.1)."""
    if PY >= (3, 13):
        return returns((RuntimeWarning, "bool is used as a file descriptor"))
    return returns()


def no_attribute(tp: str) -> str:
    suffix = " and no __dict__ for setting new attributes" if PY >= (3, 13) else ""
    return f"'{tp}' object has no attribute 'x'{suffix}"


def unsigned_negative_setter() -> dict:
    """Spec 8.3: a negative int into an unsigned 64-bit member; gh-115011
    (3.11.9, 3.12.3, 3.13) turned the OverflowError into a warning."""
    if PY >= (3, 13) or (3, 12, 3) <= PY[:3] < (3, 13) or (3, 11, 9) <= PY[:3] < (3, 12):
        return returns((RuntimeWarning, "Writing negative value into unsigned field"))
    return raises(OverflowError, "can't convert negative int to unsigned")


def unsigned_int_negative_setter() -> dict:
    """Spec 8.3: a negative int into an unsigned int member wraps with a
    warning; 3.11/3.12 (and 3.10) add a truncation warning."""
    negative = (RuntimeWarning, "Writing negative value into unsigned field")
    if PY >= (3, 13):
        return returns(negative)
    return returns(negative, (RuntimeWarning, "Truncation of value to unsigned int"))


# --- the entries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    section: str  # "§1.1"
    api: str  # "poll.register"
    input: str  # "fd: negative int"
    call: Callable[[Any, Fds], Any]
    oracle: str = "stock"  # "stock" or "spec"
    expect: dict | Callable[[], dict] | None = None  # the spec's outcome (oracle "spec")
    raises: bool = True  # the oracle raises (False: a quirk that only warns or is accepted)
    # From this version on the oracle accepts the input (stock changed: it is
    # no longer bad input there, and rselect must accept it too).
    accepted_from: tuple[int, int] | None = None
    # From this version on a quirk (raises=False) raises.
    raises_from: tuple[int, int] | None = None
    documented: str | None = None  # a key of DOCUMENTED: an intended difference
    bug: str | None = None  # an undocumented difference from the oracle: xfail(strict)
    bug_from: tuple[int, int] = (3, 10)  # the versions where ``bug`` shows: from this one
    bug_until: tuple[int, int] | None = None  # up to, not including, this one
    machine: bool = False  # the outcome depends on the machine (memory size)

    @property
    def key(self) -> str:
        return f"{self.section} | {self.api} | {self.input}"

    def raises_here(self) -> bool:
        """Whether the oracle raises on the running interpreter."""
        if self.accepted_from is not None and PY[:2] >= self.accepted_from:
            return False
        if self.raises_from is not None and PY[:2] >= self.raises_from:
            return True
        return self.raises

    def version_aware(self) -> bool:
        """Whether raising or not depends on the version (then the oracle's
        kind must be exactly ``raises_here()``)."""
        return self.accepted_from is not None or self.raises_from is not None

    def bug_here(self) -> str | None:
        """``bug`` where it shows on the running interpreter, else None."""
        if self.bug is None or PY[:2] < self.bug_from:
            return None
        if self.bug_until is not None and PY[:2] >= self.bug_until:
            return None
        return self.bug

    def expected(self) -> dict:
        assert self.expect is not None
        return self.expect() if callable(self.expect) else self.expect


def _same_type(s: dict, r: dict) -> bool:
    return s["kind"] == r["kind"] == "raise" and s["type"] == r["type"] and not r["warnings"]


def _select_limit(s: dict, r: dict) -> bool:
    return (
        s["kind"] == "raise"
        and s["type"] == "ValueError"
        and s["message"].endswith("in select()")
        and r["kind"] == "ok"
        and not r["warnings"]
    )


def _errno_left(s: dict, r: dict) -> bool:
    return (
        s["kind"] == "raise"
        and s["errno"] is not None
        and r["kind"] == "raise"
        and not r["warnings"]
        and (r["type"], r["message"], r["errno"]) == ("OSError", "[Errno 0] Error", 0)
    )


# Intended differences: (the doc's label, the check). The doc's legend
# (tools/catalogue.py) says where README.md / docs/design.md lists each.
DOCUMENTED: dict[str, tuple[str, Callable[[dict, dict], bool]]] = {
    "arity": ("type only (arity wording)", _same_type),
    "select-limit": ("no: accepted (select() above 1023)", _select_limit),
    "errno-left": ("errno differs (fromfd errno)", _errno_left),
}


def _epoll(m: Any, f: Fds, action: Callable[[Any], Any]) -> Any:
    with m.epoll() as ep:
        return action(ep)


def _closed_epoll(m: Any) -> Any:
    ep = m.epoll()
    ep.close()
    return ep


def _devpoll(m: Any, action: Callable[[Any], Any]) -> Any:
    dp = m.devpoll()
    try:
        return action(dp)
    finally:
        dp.close()


def _closed_devpoll(m: Any) -> Any:
    dp = m.devpoll()
    dp.close()
    return dp


# Spec 1.1: (input class, the bad object for these descriptors, the spec's
# outcome, an int (kevent's ident converts ints itself), raises).
FD_CLASSES: list[tuple[str, Callable[[Fds], object], dict | Callable[[], dict], bool, bool]] = [
    ("negative int", lambda f: -1,
     raises(ValueError, "file descriptor cannot be a negative integer (-1)"), True, True),
    ("int above C int (2**31)", lambda f: 2**31, raises(OverflowError, CINT_OVERFLOW), True, True),
    ("int below C int (-2**31-1)", lambda f: -(2**31) - 1,
     raises(OverflowError, CINT_OVERFLOW), True, True),
    ("huge int (2**64)", lambda f: 2**64, raises(OverflowError, CINT_OVERFLOW), True, True),
    ("bool (True)", lambda f: True, bool_fd_warning, True, False),
    ("float", lambda f: 1.5, raises(TypeError, FILDES), False, True),
    ("None", lambda f: None, raises(TypeError, FILDES), False, True),
    ("str", lambda f: "3", raises(TypeError, FILDES), False, True),
    ("object with __index__ only", lambda f: Index(f.r), raises(TypeError, FILDES), False, True),
    ("object without fileno", lambda f: object(), raises(TypeError, FILDES), False, True),
    ("fileno lookup raises AttributeError (__getattr__)", lambda f: FilenoGetattr(),
     raises(TypeError, FILDES), False, True),
    ("fileno lookup raises another exception", lambda f: FilenoLookupRaises(),
     raises(ZeroDivisionError, "fileno lookup failed"), False, True),
    ("fileno not callable", lambda f: FilenoNotCallable(),
     raises(TypeError, "'int' object is not callable"), False, True),
    ("fileno() raises", lambda f: FilenoRaises(),
     raises(ZeroDivisionError, "fileno() failed"), False, True),
    ("fileno() returns a str", lambda f: Fileno("3"),
     lambda: non_int_fileno(Fileno, str), False, True),
    ("fileno() returns a str (nested class)", lambda f: Nested.Fileno(),
     lambda: non_int_fileno(Nested.Fileno, str), False, True),
    ("fileno() returns a float", lambda f: Fileno(3.0),
     lambda: non_int_fileno(Fileno, float), False, True),
    ("fileno() returns an __index__ object", lambda f: Fileno(Index(f.r)),
     lambda: non_int_fileno(Fileno, Index), False, True),
    ("fileno() returns a negative int", lambda f: Fileno(-5),
     raises(ValueError, "file descriptor cannot be a negative integer (-5)"), False, True),
    ("fileno() returns an int above C int", lambda f: Fileno(2**31),
     raises(OverflowError, CINT_OVERFLOW), False, True),
    ("fileno() returns a bool (no warning)", lambda f: Fileno(True), returns(), False, False),
]  # fmt: skip

# The APIs taking a descriptor (spec 1.1 "Used by"), stock oracle, and
# whether a bool class is safe there (the bool fds 0/1 are whatever the
# process has: epoll would report their kind, not the conversion).
FD_APIS_STOCK: list[tuple[str, str, Callable[[Any, Fds, Any], Any], bool]] = [
    ("§2", "select (xlist item)", lambda m, f, x: m.select([], [], [x], 0), True),
    ("§4.2", "poll.register", lambda m, f, x: m.poll().register(x), True),
    ("§4.3", "poll.modify", lambda m, f, x: m.poll().modify(x, POLLIN), True),
    ("§4.3", "poll.unregister", lambda m, f, x: m.poll().unregister(x), True),
    ("§5.2", "epoll.register", lambda m, f, x: _epoll(m, f, lambda ep: ep.register(x)), False),
    ("§5.2", "epoll.modify", lambda m, f, x: _epoll(m, f, lambda ep: ep.modify(x, 1)), False),
    ("§5.2", "epoll.unregister", lambda m, f, x: _epoll(m, f, lambda ep: ep.unregister(x)), False),
]
FD_APIS_SPEC: list[tuple[str, Callable[[Any, Fds, Any], Any]]] = [
    ("devpoll.register", lambda m, f, x: _devpoll(m, lambda dp: dp.register(x))),
    ("devpoll.modify", lambda m, f, x: _devpoll(m, lambda dp: dp.modify(x, POLLIN))),
    ("devpoll.unregister", lambda m, f, x: _devpoll(m, lambda dp: dp.unregister(x))),
]


def _fd_entries() -> list[Entry]:
    out = []
    for label, make, spec, is_int, does_raise in FD_CLASSES:
        for _, api, call, bool_ok in FD_APIS_STOCK:
            if does_raise or bool_ok:
                out.append(
                    Entry(
                        "§1.1",
                        api,
                        f"fd: {label}",
                        lambda m, f, call=call, make=make: call(m, f, make(f)),
                        raises=does_raise,
                    )
                )
        for api, call in FD_APIS_SPEC:
            out.append(
                Entry(
                    "§1.1",
                    api,
                    f"fd: {label}",
                    lambda m, f, call=call, make=make: call(m, f, make(f)),
                    oracle="spec",
                    expect=spec,
                    raises=does_raise,
                )
            )
        if not is_int and does_raise:  # kevent converts int idents as size_t (spec 8.2)
            out.append(
                Entry(
                    "§1.1",
                    "kevent (ident)",
                    f"ident: {label}",
                    lambda m, f, make=make: m.kevent(make(f)),
                    oracle="spec",
                    expect=spec,
                )
            )
    return out


# Spec 1.3: the time converters (seconds for select/epoll/kqueue, ms for
# poll/devpoll), as each caller reports them. Every call has a ready
# descriptor, so an input accepted (rightly: "real" from 3.15, or wrongly)
# returns at once instead of waiting. The kind says what the spec expects
# (``_time_spec``): up to 3.14 anything but an int, float or __index__ object
# is a TypeError; from 3.15 (gh-67795) real numbers go through ``__float__``:
# "real" is accepted there, the other kinds raise what the value gives.
TIME_CLASSES: list[tuple[str, Callable[[], object], str]] = [
    ("NaN", lambda: float("nan"), "nan"),
    ("+inf", lambda: float("inf"), "float-overflow"),
    ("-inf", lambda: float("-inf"), "float-overflow"),
    ("float 1e300", lambda: 1e300, "float-overflow"),
    ("int above int64 (2**63)", lambda: 2**63, "int-overflow"),
    ("int below int64 (-2**63-1)", lambda: -(2**63) - 1, "int-overflow"),
    ("Decimal", lambda: decimal.Decimal("1.5"), "real"),
    ("Fraction", lambda: fractions.Fraction(1, 2), "real"),
    ("object with __float__ only", lambda: Real(1.0), "real"),
    ("Decimal NaN", lambda: decimal.Decimal("nan"), "nan"),
    ("Decimal sNaN", lambda: decimal.Decimal("snan"), "snan"),
    ("Fraction too large for a float (10**400)", lambda: fractions.Fraction(10**400),
     "float-too-large"),
    ("Fraction out of range (2**70)", lambda: fractions.Fraction(2**70), "float-overflow"),
    ("__float__ raises", RealRaises, "float-raises"),
    ("__float__ returns a str", lambda: Real("1.0"), "type"),
    ("complex", lambda: 1j, "type"),
    ("str", lambda: "1", "type"),
    ("bytes", lambda: b"1", "type"),
    ("list", lambda: [1], "type"),
]  # fmt: skip


# The waits on a ready descriptor (the pipe's write end) return what is
# ready with the descriptor named, not numbered: its number depends on what
# else the process has open, and the doc shows the value.


def _named(f: Fds, events: list) -> list:
    names = {f.r: "r", f.w: "w"}
    return [(names.get(fd, fd), ev) for fd, ev in events]


def _select_ready(m: Any, f: Fds, timeout: object) -> Any:
    names = {f.r: "r", f.w: "w"}
    return tuple([names.get(fd, fd) for fd in ready] for ready in m.select([], [f.w], [], timeout))


def _poll_ready(m: Any, f: Fds, timeout: object) -> Any:
    p = m.poll()
    p.register(f.w, POLLOUT)
    return _named(f, p.poll(timeout))


def _epoll_ready(m: Any, f: Fds, timeout: object, maxevents: object = -1) -> Any:
    with m.epoll() as ep:
        ep.register(f.w, EPOLLOUT)
        return _named(f, ep.poll(timeout, maxevents))


def _devpoll_ready(m: Any, f: Fds, timeout: object) -> Any:
    return _devpoll(m, lambda dp: (dp.register(f.w, POLLOUT), _named(f, dp.poll(timeout)))[1])


TIME_APIS_STOCK: list[tuple[str, Callable[[Any, Fds, object], Any]]] = [
    ("select (timeout)", _select_ready),
    ("poll.poll (timeout, ms)", _poll_ready),
    ("epoll.poll (timeout)", _epoll_ready),
]


def _time_spec(kind: str, api: str, value: Callable[[], object]) -> Callable[[], dict]:
    """The spec's outcome of a timeout of this kind for devpoll.poll or
    kqueue.control, on the running interpreter."""

    def expect() -> dict:
        obj = value()
        tp = type(obj)
        if PY < (3, 15):
            if api.startswith("kqueue"):
                # spec 3/7.3: every conversion error becomes this TypeError
                # (the type's short name, _PyType_Name)
                return raises(
                    TypeError, f"timeout argument must be a number or None, got {tp.__name__}"
                )
            if not isinstance(obj, (int, float)) and not hasattr(tp, "__index__"):
                return raises(TypeError, "timeout must be an integer or None")
        # 3.15 (gh-67795) takes real numbers through __float__; kqueue.control
        # replaces only a TypeError now (gh-154836), with the others' text
        return {
            "real": returns(),
            "type": raises(
                TypeError, f"timeout must be a real number or None, not {qualified_name(tp)}"
            ),
            "nan": raises(ValueError, "Invalid value NaN (not a number)"),
            "snan": raises(ValueError, "cannot convert signaling NaN to float"),
            "float-too-large": raises(
                OverflowError, "integer division result too large for a float"
            ),
            "float-raises": raises(ZeroDivisionError, "__float__ failed"),
            "float-overflow": raises(OverflowError, pytime_float_overflow()),
            "int-overflow": raises(OverflowError, pytime_int_overflow()),
        }[kind]

    return expect


def _time_entries() -> list[Entry]:
    out = []
    for label, value, kind in TIME_CLASSES:
        accepted_from = (3, 15) if kind == "real" else None
        for api, call in TIME_APIS_STOCK:
            out.append(
                Entry(
                    "§1.3",
                    api,
                    f"timeout: {label}",
                    lambda m, f, call=call, value=value: call(m, f, value()),
                    accepted_from=accepted_from,
                )
            )
        out.append(
            Entry(
                "§1.3",
                "devpoll.poll (timeout, ms)",
                f"timeout: {label}",
                lambda m, f, value=value: _devpoll_ready(m, f, value()),
                oracle="spec",
                expect=_time_spec(kind, "devpoll", value),
                accepted_from=accepted_from,
            )
        )
        out.append(
            Entry(
                "§1.3",
                "kqueue.control (timeout)",
                f"timeout: {label}",
                lambda m, f, value=value: m.control_args(None, 0, value()),
                oracle="spec",
                expect=_time_spec(kind, "kqueue", value),
                accepted_from=accepted_from,
            )
        )
    return out


def _signal_raises(m: Any, f: Fds, wait: Callable[[Any, Fds], Any]) -> Any:
    """Spec 1.4: a handler that raises during the wait ends it with that exception."""

    def handler(signum: int, frame: object) -> None:
        raise ZeroDivisionError("raised by the SIGALRM handler")

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        try:
            return wait(m, f)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, old)


def _poll_wait(m: Any, f: Fds) -> Any:
    p = m.poll()
    p.register(f.r, POLLIN)
    return p.poll(5000)


def _epoll_wait(m: Any, f: Fds) -> Any:
    with m.epoll() as ep:
        ep.register(f.r, EPOLLIN)
        return ep.poll(5)


def _devpoll_wait(m: Any, f: Fds) -> Any:
    return _devpoll(m, lambda dp: (dp.register(f.r, POLLIN), dp.poll(5000))[1])


def _close_behind_its_back(obj: Any) -> Any:
    """Spec 5.2/6.4: close() of an epoll or devpoll whose descriptor someone
    else closed: the failing close(2) is ignored up to 3.14, reported from 3.15
    (gh-146205)."""
    os.close(obj.fileno())
    return obj.close(), obj.closed


def _closed_after_failed_close(m: Any, f: Fds) -> Any:
    """After that close() (failed or not) the epoll is closed, and closing it
    again does nothing."""
    ep = m.epoll()
    os.close(ep.fileno())
    try:
        ep.close()
    except OSError as exc:
        first = f"OSError {exc.errno}"
    else:
        first = "no error"
    return first, ep.closed, ep.close()


def _concurrent_poll(m: Any, f: Fds) -> Any:
    """Spec 4.4: poll() on an object another thread is polling."""
    p = m.poll()
    p.register(f.r, POLLIN)
    t = threading.Thread(target=p.poll, args=(10_000,))
    t.start()
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            p.poll(0)  # RuntimeError once the thread is inside poll()
            time.sleep(0.001)
        return "no RuntimeError within 5 s"
    finally:
        os.write(f.w, b"x")
        t.join()


def _closed_after_register(m: Any, f: Fds, which: str) -> Any:
    fd = os.dup(f.r)
    if which == "poll":
        p = m.poll()
        p.register(fd, POLLIN)
        os.close(fd)
        return [(x == fd, ev) for x, ev in p.poll(0)]
    with m.epoll() as ep:
        ep.register(fd, EPOLLIN)
        os.close(fd)
        return ep.unregister(fd)


def _fromfd_not_epoll(m: Any, f: Fds) -> Any:
    ep = m.epoll.fromfd(os.dup(f.r))  # takes ownership: closing ep closes the dup
    with ep:
        return ep.poll(0)


def _with_socket(action: Callable[[Any], Any]) -> Any:
    import socket

    a, b = socket.socketpair()
    with a, b:
        return action(a)


def _mutating_list(m: Any, f: Fds) -> Any:
    """Spec 2: each fileno() deletes an item of the list being converted."""
    items: list = []

    class Shrinks:
        def fileno(self) -> int:
            del items[-1]
            return f.w

    items.extend(Shrinks() for _ in range(10))
    result = m.select([], items, [], 0)
    return [len(x) for x in result]


def _high_fd(m: Any, f: Fds) -> Any:
    fd = fcntl.fcntl(f.w, fcntl.F_DUPFD_CLOEXEC, 1024)
    try:
        return repr(m.select([], [fd], [], 0)).replace(str(fd), "fd")
    finally:
        os.close(fd)


def _kq(value: object) -> Callable[[Any, Fds], Any]:
    return lambda m, f: m.control_args(None, 0, value)


def _set(attr: str, value: object) -> Callable[[Any, Fds], Any]:
    return lambda m, f: setattr(m.kevent(1), attr, value)


def _subclass(get: Callable[[Any], type]) -> Callable[[Any, Fds], Any]:
    return lambda m, f: type("Sub", (get(m),), {})


_FLAGS_INVALID = 12356  # neither 0 nor EPOLL_CLOEXEC (test_badcreate)

TABLE: list[Entry] = [
    # §1.1 the descriptor converter, for every API that takes a descriptor
    *_fd_entries(),
    Entry("§1.1", "select (rlist item)", "fd: negative int",
          lambda m, f: m.select([-3], [], [], 0)),
    Entry("§1.1", "select (wlist item)", "fd: float", lambda m, f: m.select([], [2.5], [], 0)),
    Entry("§1.1", "select (xlist, 2nd item)", "fd: fileno() raises",
          lambda m, f: m.select([], [], [f.r, FilenoRaises()], 0)),
    Entry("§1.1", "select (wlist item)", "fd: fileno() closes its descriptor",
          lambda m, f: m.select([], [FilenoCloses(os.dup(f.w))], [], 0)),
    Entry("§1.1", "epoll.register", "fd: fileno() closes its descriptor",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(FilenoCloses(os.dup(f.r))))),
    # §1.2 C int arguments
    Entry("§1.2", "epoll (sizehint)", "float", lambda m, f: m.epoll(1.5)),
    Entry("§1.2", "epoll (sizehint)", "None", lambda m, f: m.epoll(None)),
    Entry("§1.2", "epoll (sizehint)", "str", lambda m, f: m.epoll("16")),
    Entry("§1.2", "epoll (sizehint)", "tuple", lambda m, f: m.epoll((16,))),
    Entry("§1.2", "epoll (sizehint)", "list", lambda m, f: m.epoll([16])),
    Entry("§1.2", "epoll (sizehint)", "dict", lambda m, f: m.epoll({})),
    Entry("§1.2", "epoll (sizehint)", "int above C int (2**31)", lambda m, f: m.epoll(2**31)),
    Entry("§1.2", "epoll (sizehint)", "int below C int (-2**31-1)",
          lambda m, f: m.epoll(-(2**31) - 1)),
    Entry("§1.2", "epoll (sizehint)", "__index__ above C int", lambda m, f: m.epoll(Index(2**31))),
    Entry("§1.2", "epoll (flags)", "float", lambda m, f: m.epoll(flags=0.0)),
    Entry("§1.2", "epoll (flags)", "str", lambda m, f: m.epoll(-1, "0")),
    Entry("§1.2", "epoll (flags)", "int above C int (2**31)", lambda m, f: m.epoll(flags=2**31)),
    Entry("§1.2", "epoll.poll (maxevents)", "float", lambda m, f: _epoll_ready(m, f, 0, 1.5)),
    Entry("§1.2", "epoll.poll (maxevents)", "None", lambda m, f: _epoll_ready(m, f, 0, None)),
    Entry("§1.2", "epoll.poll (maxevents)", "int above C int (2**31)",
          lambda m, f: _epoll_ready(m, f, 0, 2**31)),
    Entry("§1.2", "epoll.fromfd", "float", lambda m, f: m.epoll.fromfd(1.5)),
    Entry("§1.2", "epoll.fromfd", "str", lambda m, f: m.epoll.fromfd("3")),
    Entry("§1.2", "epoll.fromfd", "int above C int (2**31)", lambda m, f: m.epoll.fromfd(2**31)),
    Entry("§1.2", "epoll.fromfd", "object with fileno() (not accepted)",
          lambda m, f: m.epoll.fromfd(Fileno(f.r))),
    Entry("§1.2", "epoll.fromfd", "socket object (not accepted)",
          lambda m, f: _with_socket(m.epoll.fromfd)),
    Entry("§1.2", "kqueue.control (maxevents)", "float",
          lambda m, f: m.control_args(None, 1.5), oracle="spec",
          expect=raises(TypeError, not_integer("float"))),
    Entry("§1.2", "kqueue.control (maxevents)", "None",
          lambda m, f: m.control_args(None, None), oracle="spec",
          expect=raises(TypeError, not_integer("NoneType"))),
    Entry("§1.2", "kqueue.control (maxevents)", "int above C int (2**31)",
          lambda m, f: m.control_args(None, 2**31), oracle="spec",
          expect=raises(OverflowError, CINT_OVERFLOW)),
    Entry("§1.2", "kqueue.control (maxevents)", "__index__ above C int",
          lambda m, f: m.control_args(None, Index(2**31)), oracle="spec",
          expect=raises(OverflowError, CINT_OVERFLOW)),
    # §1.3 time converters, for every waiting call
    *_time_entries(),
    # §1.4 EINTR: a signal handler that raises during the wait
    Entry("§1.4", "select", "SIGALRM handler raises during a 5 s wait",
          lambda m, f: _signal_raises(m, f, lambda m, f: m.select([f.r], [], [], 5))),
    Entry("§1.4", "poll.poll", "SIGALRM handler raises during a 5 s wait",
          lambda m, f: _signal_raises(m, f, _poll_wait)),
    Entry("§1.4", "epoll.poll", "SIGALRM handler raises during a 5 s wait",
          lambda m, f: _signal_raises(m, f, _epoll_wait)),
    Entry("§1.4", "devpoll.poll", "SIGALRM handler raises during a 5 s wait",
          lambda m, f: _signal_raises(m, f, _devpoll_wait), oracle="spec",
          expect=raises(ZeroDivisionError, "raised by the SIGALRM handler")),
    # §1.5 OSErrors built from errno (type from errno, args, no filename)
    Entry("§1.5", "select", "closed descriptor (EBADF: plain OSError)",
          lambda m, f: m.select([f.closed], [], [], 0)),
    Entry("§1.5", "epoll.register", "descriptor registered twice (EEXIST)",
          lambda m, f: _epoll(m, f, lambda ep: (ep.register(f.r), ep.register(f.r)))),
    Entry("§1.5", "epoll.register", "regular file (EPERM)",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.file))),
    Entry("§1.5", "poll.modify", "descriptor not registered (ENOENT)",
          lambda m, f: m.poll().modify(f.r, POLLIN)),
    Entry("§1.5", "epoll.modify", "descriptor not registered (ENOENT)",
          lambda m, f: _epoll(m, f, lambda ep: ep.modify(f.r, EPOLLIN))),
    Entry("§1.5", "epoll.unregister", "descriptor not registered (ENOENT)",
          lambda m, f: _epoll(m, f, lambda ep: ep.unregister(f.r))),
    Entry("§1.5", "epoll (flags)", "flags neither 0 nor EPOLL_CLOEXEC (no errno)",
          lambda m, f: m.epoll(flags=_FLAGS_INVALID)),
    # §1.6 arity and keywords
    Entry("§1.6", "select", "2 arguments", lambda m, f: m.select([], []), documented="arity"),
    Entry("§1.6", "select", "5 arguments", lambda m, f: m.select([], [], [], 0, 1),
          documented="arity"),
    Entry("§1.6", "select", "keyword argument", lambda m, f: m.select([], [], [], timeout=0),
          documented="arity"),
    Entry("§1.6", "poll", "1 argument", lambda m, f: m.poll(1), documented="arity"),
    Entry("§1.6", "poll.register", "no argument", lambda m, f: m.poll().register(),
          documented="arity"),
    Entry("§1.6", "poll.register", "3 arguments", lambda m, f: m.poll().register(f.r, 1, 2),
          documented="arity"),
    Entry("§1.6", "poll.register", "keyword argument", lambda m, f: m.poll().register(fd=f.r),
          documented="arity"),
    Entry("§1.6", "poll.modify", "1 argument", lambda m, f: m.poll().modify(f.r),
          documented="arity"),
    Entry("§1.6", "poll.unregister", "no argument", lambda m, f: m.poll().unregister(),
          documented="arity"),
    Entry("§1.6", "poll.unregister", "2 arguments", lambda m, f: m.poll().unregister(f.r, 1),
          documented="arity"),
    Entry("§1.6", "poll.poll", "2 arguments", lambda m, f: m.poll().poll(0, 1),
          documented="arity"),
    Entry("§1.6", "epoll", "3 arguments", lambda m, f: m.epoll(1, 0, 3), documented="arity"),
    Entry("§1.6", "epoll", "unknown keyword", lambda m, f: m.epoll(foo=1), documented="arity"),
    Entry("§1.6", "epoll", "argument by name and position", lambda m, f: m.epoll(5, sizehint=5),
          documented="arity"),
    Entry("§1.6", "epoll.register", "no argument",
          lambda m, f: _epoll(m, f, lambda ep: ep.register()), documented="arity"),
    Entry("§1.6", "epoll.register", "3 arguments",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, 1, 2)), documented="arity"),
    Entry("§1.6", "epoll.register", "unknown keyword",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, foo=1)), documented="arity"),
    Entry("§1.6", "epoll.register", "argument by name and position",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, fd=f.r)), documented="arity"),
    Entry("§1.6", "epoll.modify", "1 argument",
          lambda m, f: _epoll(m, f, lambda ep: ep.modify(f.r)), documented="arity"),
    Entry("§1.6", "epoll.unregister", "no argument",
          lambda m, f: _epoll(m, f, lambda ep: ep.unregister()), documented="arity"),
    Entry("§1.6", "epoll.poll", "3 arguments",
          lambda m, f: _epoll(m, f, lambda ep: ep.poll(0, 1, 2)), documented="arity"),
    Entry("§1.6", "epoll.fromfd", "no argument", lambda m, f: m.epoll.fromfd(),
          documented="arity"),
    Entry("§1.6", "epoll.fromfd", "keyword argument", lambda m, f: m.epoll.fromfd(fd=-1),
          documented="arity"),
    Entry("§1.6", "epoll.close", "1 argument", lambda m, f: _epoll(m, f, lambda ep: ep.close(1)),
          documented="arity"),
    Entry("§1.6", "epoll.fileno", "1 argument",
          lambda m, f: _epoll(m, f, lambda ep: ep.fileno(1)), documented="arity"),
    Entry("§1.6", "epoll.__exit__", "4 arguments",
          lambda m, f: _epoll(m, f, lambda ep: ep.__exit__(1, 2, 3, 4)), documented="arity"),
    Entry("§1.6", "devpoll.register", "no argument",
          lambda m, f: _devpoll(m, lambda dp: dp.register()), oracle="spec",
          expect=raises(TypeError, "register expected at least 1 argument, got 0"),
          documented="arity"),
    Entry("§1.6", "devpoll.register", "keyword argument",
          lambda m, f: _devpoll(m, lambda dp: dp.register(fd=f.r)), oracle="spec",
          expect=raises(TypeError, "devpoll.register() takes no keyword arguments"),
          documented="arity"),
    Entry("§1.6", "devpoll.modify", "no argument",
          lambda m, f: _devpoll(m, lambda dp: dp.modify()), oracle="spec",
          expect=raises(TypeError, "modify expected at least 1 argument, got 0"),
          documented="arity"),
    Entry("§1.6", "devpoll.unregister", "no argument",
          lambda m, f: _devpoll(m, lambda dp: dp.unregister()), oracle="spec",
          expect=raises(TypeError, "devpoll.unregister() takes exactly one argument (0 given)"),
          documented="arity"),
    Entry("§1.6", "devpoll.poll", "2 arguments",
          lambda m, f: _devpoll(m, lambda dp: dp.poll(0, 1)), oracle="spec",
          expect=raises(TypeError, "poll expected at most 1 argument, got 2"),
          documented="arity"),
    Entry("§1.6", "devpoll.close", "1 argument",
          lambda m, f: _devpoll(m, lambda dp: dp.close(1)), oracle="spec",
          expect=raises(TypeError, "devpoll.close() takes no arguments (1 given)")),
    Entry("§1.6", "kevent", "no argument", lambda m, f: m.kevent(), oracle="spec",
          expect=raises(TypeError, "kevent() missing required argument 'ident' (pos 1)")),
    Entry("§1.6", "kevent", "7 arguments", lambda m, f: m.kevent(1, 2, 3, 4, 5, 6, 7),
          oracle="spec", expect=raises(TypeError, "kevent() takes at most 6 arguments (7 given)")),
    Entry("§1.6", "kevent", "argument by name and position", lambda m, f: m.kevent(1, ident=1),
          oracle="spec",
          expect=raises(TypeError,
                        "argument for kevent() given by name ('ident') and position (1)")),
    Entry("§1.6", "kevent", "unknown keyword", lambda m, f: m.kevent(1, foo=1), oracle="spec",
          expect=lambda: raises(TypeError,
                                "kevent() got an unexpected keyword argument 'foo'" if PY >= (3, 13)
                                else "'foo' is an invalid keyword argument for kevent()")),
    # §2 select()
    Entry("§2", "select (rlist)", "int (not a sequence)", lambda m, f: m.select(5, [], [], 0)),
    Entry("§2", "select (wlist)", "None (not a sequence)", lambda m, f: m.select([], None, [], 0)),
    Entry("§2", "select (xlist)", "float (not a sequence)", lambda m, f: m.select([], [], 1.5, 0)),
    Entry("§2", "select (rlist)", "__iter__ raises TypeError",
          lambda m, f: m.select(IterRaises(TypeError("no iter")), [], [], 0)),
    Entry("§2", "select (rlist)", "__iter__ raises another exception",
          lambda m, f: m.select(IterRaises(ZeroDivisionError("no iter")), [], [], 0)),
    Entry("§2", "select (wlist)", "iteration raises (generator)",
          lambda m, f: m.select([], _raising_gen(f.w), [], 0)),
    Entry("§2", "select (rlist)", "list subclass whose __iter__ raises",
          lambda m, f: m.select(type("L", (list,), {"__iter__": IterRaises.__iter__,
                                                    "exc": ZeroDivisionError("sub")})(),
                                [], [], 0)),
    Entry("§2", "select (wlist)", "fileno() shrinks the list being converted",
          _mutating_list, raises=False),
    Entry("§2", "select (wlist)", "descriptor >= FD_SETSIZE (1024)", _high_fd,
          documented="select-limit"),
    Entry("§2", "select (rlist)", "1025 entries in one list",
          lambda m, f: m.select([f.r] * 1025, [], [], 0), documented="select-limit"),
    Entry("§2", "select (timeout)", "negative int", lambda m, f: m.select([], [f.w], [], -1)),
    Entry("§2", "select (timeout)", "tiny negative float (-1e-10)",
          lambda m, f: m.select([], [f.w], [], -1e-10)),
    Entry("§2", "select (timeout)", "-2**63 (overflow before the sign check)",
          lambda m, f: m.select([], [f.w], [], -(2**63))),
    Entry("§2", "select (timeout)", "-1e300 (overflow before the sign check)",
          lambda m, f: m.select([], [f.w], [], -1e300)),
    Entry("§2", "select (timeout)", "int seconds overflowing int64 ns (9223372037)",
          lambda m, f: m.select([], [f.w], [], 9223372037)),
    Entry("§2", "select", "bad timeout and bad list: timeout first",
          lambda m, f: m.select(5, [], [], "x")),
    Entry("§2", "select", "bad rlist and bad wlist: rlist first",
          lambda m, f: m.select([-1], [1.5], [], 0)),
    # §3 timeout ranges per API
    # 3.15 (gh-142434) waits with ppoll(2): no C int limit, only int64 ns
    # (these would wait ~25 days or forever there: a ready descriptor answers)
    Entry("§3", "poll.poll (timeout, ms)", "2**31 (above C int)",
          lambda m, f: _poll_ready(m, f, 2**31), accepted_from=(3, 15)),
    Entry("§3", "poll.poll (timeout, ms)", "2147483647.4 (rounds above C int)",
          lambda m, f: _poll_ready(m, f, 2147483647.4), accepted_from=(3, 15)),
    Entry("§3", "poll.poll (timeout, ms)", "-2**31-1 (below C int)",
          lambda m, f: _poll_ready(m, f, -(2**31) - 1), accepted_from=(3, 15)),
    Entry("§3", "poll.poll (timeout, ms)", "9223372036854 (fits int64 ns, not C int)",
          lambda m, f: _poll_ready(m, f, 9223372036854), accepted_from=(3, 15)),
    Entry("§3", "poll.poll (timeout, ms)", "9223372036855 (overflows int64 ns)",
          lambda m, f: _poll_ready(m, f, 9223372036855)),
    Entry("§3", "poll.poll (timeout, ms)", "1<<64", lambda m, f: _poll_ready(m, f, 1 << 64)),
    Entry("§3", "epoll.poll (timeout)", "2147483.6475 (rounds above C int ms)",
          lambda m, f: _epoll_ready(m, f, 2147483.6475)),
    Entry("§3", "epoll.poll (timeout)", "-2147483.649 (below C int ms)",
          lambda m, f: _epoll_ready(m, f, -2147483.649)),
    Entry("§3", "epoll.poll (timeout)", "2**31 s", lambda m, f: _epoll_ready(m, f, 2**31)),
    Entry("§3", "epoll.poll (timeout)", "9223372037 s (overflows int64 ns)",
          lambda m, f: _epoll_ready(m, f, 9223372037)),
    Entry("§3", "devpoll.poll (timeout, ms)", "-2 (only -1 may be negative)",
          lambda m, f: _devpoll_ready(m, f, -2), oracle="spec",
          expect=raises(OverflowError, "timeout is too large")),
    Entry("§3", "devpoll.poll (timeout, ms)", "-(1<<31)",
          lambda m, f: _devpoll_ready(m, f, -(1 << 31)), oracle="spec",
          expect=raises(OverflowError, "timeout is too large")),
    Entry("§3", "devpoll.poll (timeout, ms)", "1<<31",
          lambda m, f: _devpoll_ready(m, f, 1 << 31), oracle="spec",
          expect=raises(OverflowError, "timeout is too large")),
    Entry("§3", "devpoll.poll (timeout, ms)", "1<<63",
          lambda m, f: _devpoll_ready(m, f, 1 << 63), oracle="spec",
          expect=lambda: raises(OverflowError, pytime_int_overflow())),
    Entry("§3", "devpoll.poll (timeout, ms)", "-(1<<64)",
          lambda m, f: _devpoll_ready(m, f, -(1 << 64)), oracle="spec",
          expect=lambda: raises(OverflowError, pytime_int_overflow())),
    Entry("§3", "kqueue.control (timeout)", "negative int", _kq(-1), oracle="spec",
          expect=raises(ValueError, "timeout must be positive or None")),
    Entry("§3", "kqueue.control (timeout)", "tiny negative float (-1e-9)", _kq(-1e-9),
          oracle="spec", expect=raises(ValueError, "timeout must be positive or None")),
    Entry("§3", "kqueue.control (timeout)", "2**70 (overflow: a TypeError up to 3.14)",
          _kq(2**70), oracle="spec",
          expect=lambda: raises(OverflowError, pytime_int_overflow()) if PY >= (3, 15)
          else raises(TypeError, "timeout argument must be a number or None, got int")),
    # §4 poll objects
    Entry("§4.1", "select.poll type", "instantiated directly", lambda m, f: type(m.poll())()),
    Entry("§4.1", "select.poll type", "__new__ called directly",
          lambda m, f: type(m.poll()).__new__(type(m.poll())),
          bug="type(p).__new__(type(p)): stock says 'object.__new__(select.poll) is not safe, "
              "use select.poll.__new__()'; rselect says \"cannot create 'select.poll' instances\"",
          bug_until=(3, 14)),  # 3.14's stock says "cannot create" too
    Entry("§4.1", "select.poll type", "subclassed", _subclass(lambda m: type(m.poll()))),
    Entry("§4.1", "poll object", "attribute set", lambda m, f: setattr(m.poll(), "x", 1)),
    Entry("§4.1", "poll object", "weak reference", lambda m, f: weakref.ref(m.poll())),
    Entry("§4.1", "poll object", "pickled", lambda m, f: pickle.dumps(m.poll())),
    Entry("§4.2", "poll.register (eventmask)", "-1", lambda m, f: m.poll().register(f.r, -1)),
    Entry("§4.2", "poll.register (eventmask)", "-2**70",
          lambda m, f: m.poll().register(f.r, -(2**70))),
    Entry("§4.2", "poll.register (eventmask)", "65536 (above unsigned short)",
          lambda m, f: m.poll().register(f.r, 65536)),
    Entry("§4.2", "poll.register (eventmask)", "2**64",
          lambda m, f: m.poll().register(f.r, 2**64)),
    Entry("§4.2", "poll.register (eventmask)", "2**70",
          lambda m, f: m.poll().register(f.r, 2**70)),
    Entry("§4.2", "poll.register (eventmask)", "float", lambda m, f: m.poll().register(f.r, 1.0)),
    # 3.14 (gh-132987): __index__ objects, one overflow text, "Cannot convert negative int"
    Entry("§4.2", "poll.register (eventmask)", "__index__ object",
          lambda m, f: m.poll().register(f.r, Index(1)), accepted_from=(3, 14)),
    Entry("§4.2", "poll.register (eventmask)", "__index__ object giving -1",
          lambda m, f: m.poll().register(f.r, Index(-1))),
    Entry("§4.2", "poll.register (eventmask)", "__index__ object giving 65536",
          lambda m, f: m.poll().register(f.r, Index(65536))),
    Entry("§4.2", "poll.register (eventmask)", "None", lambda m, f: m.poll().register(f.r, None)),
    Entry("§4.2", "poll.register (eventmask)", "str", lambda m, f: m.poll().register(f.r, "1")),
    Entry("§4.2", "poll.register", "bad fd and bad mask: fd first",
          lambda m, f: m.poll().register(-1, "x")),
    Entry("§4.3", "poll.modify (eventmask)", "-1",
          lambda m, f: (lambda p: (p.register(f.r), p.modify(f.r, -1)))(m.poll())),
    Entry("§4.3", "poll.modify (eventmask)", "65536",
          lambda m, f: (lambda p: (p.register(f.r), p.modify(f.r, 65536)))(m.poll())),
    Entry("§4.3", "poll.modify (eventmask)", "2**64",
          lambda m, f: (lambda p: (p.register(f.r), p.modify(f.r, 2**64)))(m.poll())),
    Entry("§4.3", "poll.modify (eventmask)", "-2**70",
          lambda m, f: (lambda p: (p.register(f.r), p.modify(f.r, -(2**70))))(m.poll())),
    Entry("§4.3", "poll.modify (eventmask)", "__index__ object",
          lambda m, f: (lambda p: (p.register(f.r), p.modify(f.r, Index(1))))(m.poll()),
          accepted_from=(3, 14)),
    Entry("§4.3", "poll.modify (eventmask)", "float",
          lambda m, f: (lambda p: (p.register(f.r), p.modify(f.r, 1.0)))(m.poll())),
    Entry("§4.3", "poll.modify", "bad mask on an unregistered fd: mask first",
          lambda m, f: m.poll().modify(f.r, -1)),
    Entry("§4.3", "poll.unregister", "descriptor not registered (KeyError)",
          lambda m, f: m.poll().unregister(12345)),
    Entry("§4.3", "poll.unregister", "object whose fileno() is not registered (KeyError)",
          lambda m, f: m.poll().unregister(Fileno(12346))),
    Entry("§4.4", "poll.poll", "concurrent poll() from a second thread", _concurrent_poll),
    Entry("§4.4", "poll.poll", "registered descriptor since closed (POLLNVAL, no error)",
          lambda m, f: _closed_after_register(m, f, "poll"), raises=False),
    # §5 epoll
    Entry("§5.1", "epoll (sizehint)", "0", lambda m, f: m.epoll(0)),
    Entry("§5.1", "epoll (sizehint)", "-2", lambda m, f: m.epoll(-2)),
    Entry("§5.1", "epoll (sizehint)", "sizehint=-2 by keyword, bad flags too",
          lambda m, f: m.epoll(sizehint=-2, flags=_FLAGS_INVALID)),
    Entry("§5.1", "select.epoll type", "subclassed", _subclass(lambda m: m.epoll)),
    Entry("§5.1", "epoll object", "attribute set",
          lambda m, f: _epoll(m, f, lambda ep: setattr(ep, "x", 1))),
    Entry("§5.1", "epoll object", "weak reference",
          lambda m, f: _epoll(m, f, lambda ep: weakref.ref(ep))),
    Entry("§5.1", "epoll object", "pickled", lambda m, f: _epoll(m, f, pickle.dumps)),
    Entry("§5.2", "epoll.closed", "assigned",
          lambda m, f: _epoll(m, f, lambda ep: setattr(ep, "closed", True))),
    Entry("§5.2", "epoll.register (eventmask)", "float",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, 1.0))),
    Entry("§5.2", "epoll.register (eventmask)", "None",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, None))),
    Entry("§5.2", "epoll.register (eventmask)", "str",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, "1"))),
    Entry("§5.2", "epoll.register (eventmask)", "-1 (every bit: EINVAL)",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, -1))),
    # 3.15 (gh-132629): a mask outside both C int and unsigned int warns first
    Entry("§5.2", "epoll.register (eventmask)", "1<<100 (reduced mod 2**32: accepted)",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, 1 << 100)), raises=False),
    Entry("§5.2", "epoll.register (eventmask)", "2**32 (reduced mod 2**32: accepted)",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, 2**32)), raises=False),
    Entry("§5.2", "epoll.register (eventmask)", "2**32-1 (every bit, no warning: EINVAL)",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, 2**32 - 1))),
    Entry("§5.2", "epoll.register (eventmask)", "-2**31-1 (reduced to 2**31-1: EINVAL)",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.r, -(2**31) - 1))),
    Entry("§5.2", "epoll.modify (eventmask)", "-2**40 (reduced mod 2**32: accepted)",
          lambda m, f: _epoll(m, f, lambda ep: (ep.register(f.r), ep.modify(f.r, -(2**40)))),
          raises=False),
    Entry("§5.2", "epoll.modify (eventmask)", "float",
          lambda m, f: _epoll(m, f, lambda ep: (ep.register(f.r), ep.modify(f.r, 1.0)))),
    Entry("§5.2", "epoll.register", "closed descriptor (EBADF)",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(f.closed))),
    Entry("§5.2", "epoll.register", "the epoll's own descriptor (EINVAL)",
          lambda m, f: _epoll(m, f, lambda ep: ep.register(ep.fileno()))),
    Entry("§5.2", "epoll.unregister", "descriptor closed after registering (EBADF)",
          lambda m, f: _closed_after_register(m, f, "epoll")),
    Entry("§5.2", "epoll.register", "closed epoll",
          lambda m, f: _closed_epoll(m).register(f.r)),
    Entry("§5.2", "epoll.register", "closed epoll and a bad fd: fd first",
          lambda m, f: _closed_epoll(m).register(-1)),
    Entry("§5.2", "epoll.modify", "closed epoll", lambda m, f: _closed_epoll(m).modify(f.r, 1)),
    Entry("§5.2", "epoll.unregister", "closed epoll",
          lambda m, f: _closed_epoll(m).unregister(f.r)),
    Entry("§5.2", "epoll.poll", "closed epoll", lambda m, f: _closed_epoll(m).poll(0)),
    Entry("§5.2", "epoll.poll", "closed epoll and a bad timeout: closed first",
          lambda m, f: _closed_epoll(m).poll("x")),
    Entry("§5.2", "epoll.fileno", "closed epoll", lambda m, f: _closed_epoll(m).fileno()),
    Entry("§5.2", "epoll.__enter__", "closed epoll", lambda m, f: _closed_epoll(m).__enter__()),
    Entry("§5.2", "epoll.close", "descriptor closed behind its back (EBADF ignored up to 3.14)",
          lambda m, f: _close_behind_its_back(m.epoll()), raises=False, raises_from=(3, 15)),
    Entry("§5.2", "epoll.close", "again, after a close() whose close(2) failed",
          _closed_after_failed_close, raises=False),
    Entry("§5.2", "epoll.poll (maxevents)", "0", lambda m, f: _epoll_ready(m, f, 0, 0)),
    Entry("§5.2", "epoll.poll (maxevents)", "-2", lambda m, f: _epoll_ready(m, f, 0, -2)),
    Entry("§5.2", "epoll.poll (maxevents)", "-2**31", lambda m, f: _epoll_ready(m, f, 0, -(2**31))),
    Entry("§5.2", "epoll.poll (maxevents)", "2**28 (above the kernel's EP_MAX_EVENTS)",
          lambda m, f: _epoll_ready(m, f, 0, 2**28), machine=True),
    Entry("§5.2", "epoll.poll (maxevents)", "2**31-1 (buffer larger than memory here)",
          lambda m, f: _epoll_ready(m, f, 0, 2**31 - 1), machine=True),
    Entry("§5.2", "epoll.fromfd", "-2 (errno left as it is)", lambda m, f: m.epoll.fromfd(-2),
          documented="errno-left"),
    Entry("§5.2", "epoll.fromfd", "a pipe, then poll() (EINVAL)", _fromfd_not_epoll),
    # §6 devpoll (spec, test build)
    Entry("§6.1", "select.devpoll type", "instantiated directly",
          lambda m, f: _devpoll(m, lambda dp: type(dp)()), oracle="spec",
          expect=raises(TypeError, "cannot create 'select.devpoll' instances")),
    Entry("§6.1", "select.devpoll type", "subclassed",
          lambda m, f: _devpoll(m, lambda dp: type("Sub", (type(dp),), {})), oracle="spec",
          expect=raises(TypeError, "type 'select.devpoll' is not an acceptable base type")),
    Entry("§6.1", "devpoll object", "attribute set",
          lambda m, f: _devpoll(m, lambda dp: setattr(dp, "x", 1)), oracle="spec",
          expect=lambda: raises(AttributeError, no_attribute("select.devpoll"))),
    Entry("§6.1", "devpoll object", "weak reference",
          lambda m, f: _devpoll(m, weakref.ref), oracle="spec",
          expect=raises(TypeError, "cannot create weak reference to 'select.devpoll' object")),
    Entry("§6.1", "devpoll object", "pickled", lambda m, f: _devpoll(m, pickle.dumps),
          oracle="spec", expect=raises(TypeError, "cannot pickle 'select.devpoll' object")),
    Entry("§6.2", "devpoll.register (eventmask)", "-1",
          lambda m, f: _devpoll(m, lambda dp: dp.register(f.r, -1)), oracle="spec",
          expect=lambda: ushort_mask(-1)),
    Entry("§6.2", "devpoll.register (eventmask)", "65536",
          lambda m, f: _devpoll(m, lambda dp: dp.register(f.r, 65536)), oracle="spec",
          expect=lambda: ushort_mask(65536)),
    Entry("§6.2", "devpoll.register (eventmask)", "2**64",
          lambda m, f: _devpoll(m, lambda dp: dp.register(f.r, 2**64)), oracle="spec",
          expect=lambda: ushort_mask(2**64)),
    Entry("§6.2", "devpoll.register (eventmask)", "float",
          lambda m, f: _devpoll(m, lambda dp: dp.register(f.r, 1.0)), oracle="spec",
          expect=lambda: ushort_mask(1.0)),
    Entry("§6.2", "devpoll.register (eventmask)", "__index__ object",
          lambda m, f: _devpoll(m, lambda dp: dp.register(f.r, Index(1))), oracle="spec",
          expect=lambda: ushort_mask(Index(1)), accepted_from=(3, 14)),
    Entry("§6.2", "devpoll.register (eventmask)", "__index__ object giving -1",
          lambda m, f: _devpoll(m, lambda dp: dp.register(f.r, Index(-1))), oracle="spec",
          expect=lambda: ushort_mask(Index(-1))),
    Entry("§6.2", "devpoll.modify (eventmask)", "-1",
          lambda m, f: _devpoll(m, lambda dp: dp.modify(f.r, -1)), oracle="spec",
          expect=lambda: ushort_mask(-1)),
    Entry("§6.2", "devpoll.modify (eventmask)", "2**64",
          lambda m, f: _devpoll(m, lambda dp: dp.modify(f.r, 2**64)), oracle="spec",
          expect=lambda: ushort_mask(2**64)),
    Entry("§6.2", "devpoll.register", "closed devpoll",
          lambda m, f: _closed_devpoll(m).register(f.r), oracle="spec",
          expect=raises(ValueError, "I/O operation on closed devpoll object")),
    Entry("§6.2", "devpoll.register", "closed devpoll and a bad fd: fd first",
          lambda m, f: _closed_devpoll(m).register(-1), oracle="spec",
          expect=raises(ValueError, "file descriptor cannot be a negative integer (-1)")),
    Entry("§6.2", "devpoll.modify", "closed devpoll",
          lambda m, f: _closed_devpoll(m).modify(f.r), oracle="spec",
          expect=raises(ValueError, "I/O operation on closed devpoll object")),
    Entry("§6.2", "devpoll.unregister", "closed devpoll",
          lambda m, f: _closed_devpoll(m).unregister(f.r), oracle="spec",
          expect=raises(ValueError, "I/O operation on closed devpoll object")),
    Entry("§6.3", "devpoll.poll", "closed devpoll", lambda m, f: _closed_devpoll(m).poll(0),
          oracle="spec", expect=raises(ValueError, "I/O operation on closed devpoll object")),
    Entry("§6.3", "devpoll.poll", "closed devpoll and a bad timeout: closed first",
          lambda m, f: _closed_devpoll(m).poll("x"), oracle="spec",
          expect=raises(ValueError, "I/O operation on closed devpoll object")),
    Entry("§6.4", "devpoll.fileno", "closed devpoll", lambda m, f: _closed_devpoll(m).fileno(),
          oracle="spec", expect=raises(ValueError, "I/O operation on closed devpoll object")),
    Entry("§6.4", "devpoll.close", "descriptor closed behind its back (EBADF ignored up to 3.14)",
          lambda m, f: _close_behind_its_back(m.devpoll()), oracle="spec",
          expect=lambda: raises(OSError, "[Errno 9] Bad file descriptor", errno=9)
          if PY >= (3, 15) else returns(),
          raises=False, raises_from=(3, 15)),
    Entry("§6.4", "devpoll.closed", "assigned",
          lambda m, f: _devpoll(m, lambda dp: setattr(dp, "closed", True)), oracle="spec",
          expect=raises(AttributeError,
                        "attribute 'closed' of 'select.devpoll' objects is not writable")),
    # §7 kqueue.control (spec, test build: its argument handling)
    Entry("§7.3", "kqueue.control (maxevents)", "negative",
          lambda m, f: m.control_args(None, -1), oracle="spec",
          expect=raises(ValueError, "Length of eventlist must be 0 or positive, got -1")),
    Entry("§7.3", "kqueue.control (changelist)", "int (not iterable)",
          lambda m, f: m.control_args(5, 1), oracle="spec",
          expect=raises(TypeError, "changelist is not iterable")),
    Entry("§7.3", "kqueue.control (changelist)", "__iter__ raises TypeError",
          lambda m, f: m.control_args(IterRaises(TypeError("no iter")), 1), oracle="spec",
          expect=raises(TypeError, "changelist is not iterable")),
    Entry("§7.3", "kqueue.control (changelist)", "iteration raises (generator)",
          lambda m, f: m.control_args(_raising_gen(m.kevent(1)), 1), oracle="spec",
          expect=raises(ZeroDivisionError, "iteration failed")),
    Entry("§7.3", "kqueue.control (changelist)", "item not a kevent",
          lambda m, f: m.control_args([m.kevent(1), 1], 1), oracle="spec",
          expect=raises(TypeError, "changelist must be an iterable of select.kevent objects")),
    Entry("§7.3", "kqueue.control (changelist)", "str (iterable of non-kevents)",
          lambda m, f: m.control_args("ab", 1), oracle="spec",
          expect=raises(TypeError, "changelist must be an iterable of select.kevent objects")),
    Entry("§7.3", "kqueue.control", "bad maxevents and bad timeout: maxevents first",
          lambda m, f: m.control_args(None, -1, "x"), oracle="spec",
          expect=raises(ValueError, "Length of eventlist must be 0 or positive, got -1")),
    Entry("§7.3", "kqueue.control", "bad timeout and bad changelist: timeout first",
          lambda m, f: m.control_args(5, 1, "x"), oracle="spec",
          expect=lambda: raises(TypeError, "timeout must be a real number or None, not str")
          if PY >= (3, 15)
          else raises(TypeError, "timeout argument must be a number or None, got str")),
    # §8 kevent (spec, test build)
    Entry("§8.2", "kevent (ident)", "negative int", lambda m, f: m.kevent(-1), oracle="spec",
          expect=raises(OverflowError, "can't convert negative value to size_t")),
    Entry("§8.2", "kevent (ident)", "2**64", lambda m, f: m.kevent(2**64), oracle="spec",
          expect=raises(OverflowError, "Python int too large to convert to C size_t")),
    Entry("§8.2", "kevent (ident)", "bool (an int: no warning)", lambda m, f: m.kevent(True).ident,
          oracle="spec", expect=returns(), raises=False),
    Entry("§8.2", "kevent", "bad filter and bad ident: ident last",
          lambda m, f: m.kevent(-1, 1.5), oracle="spec",
          expect=raises(TypeError, not_integer("float"))),
    Entry("§8.2", "kevent (filter)", "32768", lambda m, f: m.kevent(1, 32768), oracle="spec",
          expect=raises(OverflowError, "signed short integer is greater than maximum")),
    Entry("§8.2", "kevent (filter)", "-32769", lambda m, f: m.kevent(1, -32769), oracle="spec",
          expect=raises(OverflowError, "signed short integer is less than minimum")),
    Entry("§8.2", "kevent (filter)", "2**63 (beyond C long)", lambda m, f: m.kevent(1, 2**63),
          oracle="spec", expect=raises(OverflowError, "Python int too large to convert to C long")),
    Entry("§8.2", "kevent (filter)", "float", lambda m, f: m.kevent(1, 1.5), oracle="spec",
          expect=raises(TypeError, not_integer("float"))),
    Entry("§8.2", "kevent (filter)", "str", lambda m, f: m.kevent(1, filter="1"), oracle="spec",
          expect=raises(TypeError, not_integer("str"))),
    Entry("§8.2", "kevent (flags)", "float", lambda m, f: m.kevent(1, flags=1.5), oracle="spec",
          expect=raises(TypeError, not_integer("float"))),
    Entry("§8.2", "kevent (flags)", "None", lambda m, f: m.kevent(1, 0, None), oracle="spec",
          expect=raises(TypeError, not_integer("NoneType"))),
    # 3.15 (gh-132629): a bitwise field outside both its signed and unsigned
    # range warns first (getargs H, I, K)
    Entry("§8.2", "kevent (flags)", "1<<70 (reduced mod 2**16: accepted)",
          lambda m, f: m.kevent(1, flags=1 << 70).flags, oracle="spec",
          expect=lambda: bitwise_range(1 << 70, 16), raises=False,),
    Entry("§8.2", "kevent (flags)", "-1 (reduced to 65535, no warning)",
          lambda m, f: m.kevent(1, flags=-1).flags, oracle="spec",
          expect=lambda: bitwise_range(-1, 16), raises=False),
    Entry("§8.2", "kevent (fflags)", "float", lambda m, f: m.kevent(1, fflags=1.5),
          oracle="spec", expect=raises(TypeError, not_integer("float"))),
    Entry("§8.2", "kevent (fflags)", "2**32 (reduced mod 2**32: accepted)",
          lambda m, f: m.kevent(1, fflags=2**32).fflags, oracle="spec",
          expect=lambda: bitwise_range(2**32, 32), raises=False,),
    Entry("§8.2", "kevent (data)", "2**63", lambda m, f: m.kevent(1, data=2**63), oracle="spec",
          expect=raises(OverflowError, "int too big to convert")),
    Entry("§8.2", "kevent (data)", "-2**63-1", lambda m, f: m.kevent(1, data=-(2**63) - 1),
          oracle="spec", expect=raises(OverflowError, "int too big to convert")),
    Entry("§8.2", "kevent (data)", "float", lambda m, f: m.kevent(1, data=1.5), oracle="spec",
          expect=raises(TypeError, not_integer("float"))),
    Entry("§8.2", "kevent (udata)", "float", lambda m, f: m.kevent(1, 0, 0, 0, 0, 1.5),
          oracle="spec", expect=raises(TypeError, "kevent() argument 6 must be int, not float")),
    # 3.14 (gh-132987): getargs K takes __index__ objects (measured:
    # _testcapi.getargs_K on 3.14 and 3.15)
    Entry("§8.2", "kevent (udata)", "__index__ object, by keyword",
          lambda m, f: m.kevent(1, udata=Index(1)).udata, oracle="spec",
          expect=lambda: returns() if PY >= (3, 14)
          else raises(TypeError, "kevent() argument 6 must be int, not Index"),
          accepted_from=(3, 14)),
    Entry("§8.2", "kevent (udata)", "2**64 (reduced mod 2**64: accepted)",
          lambda m, f: m.kevent(1, udata=2**64).udata, oracle="spec",
          expect=lambda: bitwise_range(2**64, 64), raises=False,),
    Entry("§8.3", "kevent attributes", "deleted", lambda m, f: delattr(m.kevent(1), "ident"),
          oracle="spec", expect=raises(TypeError, "can't delete numeric/char attribute")),
    Entry("§8.3", "kevent.filter", "set to 2**63", _set("filter", 2**63), oracle="spec",
          expect=raises(OverflowError, "Python int too large to convert to C long")),
    Entry("§8.3", "kevent.filter", "set to 40000 (truncated, warns)", _set("filter", 40000),
          oracle="spec", expect=returns((RuntimeWarning, "Truncation of value to short")),
          raises=False),
    Entry("§8.3", "kevent.flags", "set to 70000 (truncated, warns)", _set("flags", 70000),
          oracle="spec", expect=returns((RuntimeWarning, "Truncation of value to unsigned short")),
          raises=False),
    Entry("§8.3", "kevent.fflags", "set to 2**32 (truncated, warns)", _set("fflags", 2**32),
          oracle="spec", expect=returns((RuntimeWarning, "Truncation of value to unsigned int")),
          raises=False),
    Entry("§8.3", "kevent.fflags", "set to -1 (wraps, warns)", _set("fflags", -1),
          oracle="spec", expect=unsigned_int_negative_setter, raises=False),
    Entry("§8.3", "kevent.data", "set to 2**63", _set("data", 2**63), oracle="spec",
          expect=raises(OverflowError, "int too big to convert")),
    Entry("§8.3", "kevent.ident", "set to -1", _set("ident", -1), oracle="spec",
          expect=unsigned_negative_setter, raises=False),
    Entry("§8.3", "kevent.udata", "set to 2**64", _set("udata", 2**64), oracle="spec",
          expect=raises(OverflowError, "int too big to convert")),
    Entry("§8.3", "kevent.filter", "set to a float", _set("filter", 1.5), oracle="spec",
          expect=raises(TypeError, not_integer("float"))),
    Entry("§8.3", "kevent.data", "set to a str", _set("data", "1"), oracle="spec",
          expect=raises(TypeError, not_integer("str"))),
    Entry("§8.4", "kevent", "ordered against None", lambda m, f: m.kevent(1) < None,
          oracle="spec",
          expect=raises(TypeError,
                        "'<' not supported between instances of 'select.kevent' and 'NoneType'")),
    Entry("§8.4", "kevent", "ordered against an int", lambda m, f: m.kevent(1) >= 1,
          oracle="spec",
          expect=raises(TypeError,
                        "'>=' not supported between instances of 'select.kevent' and 'int'")),
    Entry("§8.4", "kevent", "hashed", lambda m, f: hash(m.kevent(1)), oracle="spec",
          expect=raises(TypeError, "unhashable type: 'select.kevent'")),
    Entry("§8.4", "select.kevent type", "subclassed", _subclass(lambda m: m.kevent),
          oracle="spec",
          expect=raises(TypeError, "type 'select.kevent' is not an acceptable base type")),
    Entry("§8.4", "kevent", "attribute set", lambda m, f: setattr(m.kevent(1), "x", 1),
          oracle="spec", expect=lambda: raises(AttributeError, no_attribute("select.kevent"))),
    Entry("§8.4", "kevent", "weak reference", lambda m, f: weakref.ref(m.kevent(1)),
          oracle="spec",
          expect=raises(TypeError, "cannot create weak reference to 'select.kevent' object")),
    Entry("§8.4", "kevent", "pickled", lambda m, f: pickle.dumps(m.kevent(1)), oracle="spec",
          expect=raises(TypeError, "cannot pickle 'select.kevent' object")),
]  # fmt: skip

SECTIONS = {
    "§1.1": "File-descriptor argument (fildes conversion)",
    "§1.2": "C int arguments",
    "§1.3": "Time conversions",
    "§1.4": "EINTR: a signal handler that raises",
    "§1.5": "OSError construction",
    "§1.6": "Arity and keywords",
    "§2": "select.select()",
    "§3": "Timeout ranges per API",
    "§4.1": "poll: factory and type",
    "§4.2": "poll.register",
    "§4.3": "poll.modify / poll.unregister",
    "§4.4": "poll.poll",
    "§5.1": "epoll: type and constructor",
    "§5.2": "epoll: methods",
    "§6.1": "devpoll: creation and type",
    "§6.2": "devpoll: registration",
    "§6.3": "devpoll.poll",
    "§6.4": "devpoll: lifecycle",
    "§7.3": "kqueue.control",
    "§8.2": "kevent constructor",
    "§8.3": "kevent attributes",
    "§8.4": "kevent comparison, hash, type",
}

# Spec items the table cannot reach on Linux, with the reason (the doc lists them).
NOT_COVERED = [
    ("§1.4", "kqueue.control interrupted by a raising handler",
     "the test build exposes control()'s argument handling, not its system call"),
    ("§5.2", "epoll.register failing with ENOSPC/ENOMEM",
     "needs fs.epoll.max_user_watches exhausted: system-wide, not for a test run"),
    ("§6.1", "devpoll() with arguments; getrlimit/open('/dev/poll') failures",
     "the test build's devpoll() is an emulator factory (it takes `batch=`)"),
    ("§6.2", "write errors and short writes at flush",
     "injected faults, not inputs: tests_portable/test_devpoll.py covers them"),
    ("§7.1", "kqueue() with arguments", "no kqueue object on Linux, even in the test build"),
    ("§7.2", "closed kqueue, kqueue.fromfd", "no kqueue object on Linux, even in the test build"),
    ("§7.3", "changelist longer than INT_MAX items", "2**31 kevent objects do not fit in memory"),
    ("§7.3", "kqueue.control arity", "the test build exposes its argument handling as a "
     "helper function, whose arity is not control()'s"),
]  # fmt: skip


# --- running the entries ---------------------------------------------------------------------


def _type_name(tp: type) -> str:
    return tp.__qualname__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__qualname__}"


# No entry waits longer than 5 s (the §1.4 and §4.4 ones, on purpose); one
# that hangs (a wait accepted where a ready descriptor was forgotten) ends the
# process with every thread's traceback instead of blocking a run for days.
WATCHDOG_SECONDS = 120


def observe(entry: Entry, m: Any) -> dict:
    """Run one entry through ``m`` with fresh descriptors: what happened, as
    plain JSON-able data (diffutil.outcome, plus the exception's args and
    filename)."""
    seen: dict = {}
    with Fds() as f:

        def call() -> Any:
            try:
                return entry.call(m, f)
            except Exception as exc:
                seen["args"] = repr(exc.args)
                seen["filename"] = repr(getattr(exc, "filename", None))
                raise

        faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
        try:
            res = outcome(call)
        finally:
            faulthandler.cancel_dump_traceback_later()
    warns = [[_type_name(cat), msg] for cat, msg in res[-1]]
    if res[0] == "raise":
        return {
            "kind": "raise",
            "type": _type_name(res[1]),
            "message": res[2],
            "errno": res[3],
            "args": seen.get("args"),
            "filename": seen.get("filename"),
            "warnings": warns,
        }
    return {"kind": "ok", "value": repr(res[1]), "warnings": warns}


def matches_spec(want: dict, got: dict) -> bool:
    """The spec's outcome exactly: kind, type, message, errno, warnings."""
    if got["kind"] != want["kind"] or got["warnings"] != want["warnings"]:
        return False
    if got["kind"] == "raise":
        want_raise = (want["type"], want["message"], want.get("errno"))
        return (got["type"], got["message"], got["errno"]) == want_raise
    return True


def _testing_module() -> Any | None:
    ext = sys.modules.get("rselect._rselect")
    return getattr(ext, "_testing", None)


_SPEC_CACHE: dict[str, dict] | None = None


def spec_outcomes() -> dict[str, dict] | None:
    """Every spec-oracle entry run through the test build: {key: outcome},
    or None when there is no test build for this interpreter. In this process
    if it is the test build already, else in a child with PYTHONPATH set."""
    global _SPEC_CACHE
    if _SPEC_CACHE is not None:
        return _SPEC_CACHE
    testing = _testing_module()
    if testing is not None:
        _SPEC_CACHE = {e.key: observe(e, testing) for e in TABLE if e.oracle == "spec"}
        return _SPEC_CACHE
    if not (TESTING_BUILD / "rselect").is_dir():
        return None
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTING_BUILD), str(ROOT)]))
    # Imported by its name, not run as __main__: the classes of this module
    # are then named as here (3.15's fileno() and timeout messages name them).
    proc = subprocess.run(
        [sys.executable, "-c", f"import {__name__} as t; t.print_spec_json()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the test build run failed:\n{proc.stdout}\n{proc.stderr}")
    _SPEC_CACHE = json.loads(proc.stdout)
    return _SPEC_CACHE


# --- the doc's cells -------------------------------------------------------------------------


def describe(obs: dict) -> str:
    """What happened, as the doc shows it."""
    if obs["kind"] == "raise":
        text = obs["type"] + (f": {obs['message']}" if obs["message"] else "")
    else:
        # the spec's outcomes state no value
        text = f"no exception, returns {obs['value']}" if "value" in obs else "no exception"
    for cat, msg in obs["warnings"]:
        text += f"; warns {cat}: {msg}"
    return text


def verdict(entry: Entry, oracle_obs: dict, obs: dict) -> tuple[bool, str]:
    """(passes, the doc's "same as stock?" cell) for the outcome ``obs`` of
    rselect against the oracle's: stock's outcome, or the spec's. Where they
    differ the cell quotes the oracle (not for "errno-left": stock's errno
    there is whatever an earlier call left)."""
    spec = entry.oracle == "spec"
    if matches_spec(oracle_obs, obs) if spec else oracle_obs == obs:
        return True, "spec: yes" if spec else "yes"
    quote = (
        "" if entry.documented == "errno-left" else f"; {entry.oracle}: `{describe(oracle_obs)}`"
    )
    if entry.documented:
        text, check = DOCUMENTED[entry.documented]
        if check(oracle_obs, obs):
            return True, text + quote
    return False, ("NO (bug)" if entry.bug_here() else "NO") + quote


def row_cells(entry: Entry) -> dict:
    """The cells of this entry's row for the running interpreter."""
    if entry.oracle == "spec":
        outcomes = spec_outcomes()
        if outcomes is None:
            return {"exc": "not run: no test build (scripts/build-testing.sh)", "same": "-"}
        obs = outcomes[entry.key]
        return {"exc": describe(obs), "same": verdict(entry, entry.expected(), obs)[1]}
    s, r = observe(entry, stock), observe(entry, rselect)
    return {"exc": describe(r), "same": verdict(entry, s, r)[1]}


def print_spec_json() -> None:
    """The child of ``spec_outcomes``: every spec entry through the test build."""
    testing = _testing_module()
    if testing is None:
        import rselect._rselect as _ext

        testing = getattr(_ext, "_testing", None)
    if testing is None:
        sys.exit("not a test build: rselect._rselect has no _testing")
    print(json.dumps({e.key: observe(e, testing) for e in TABLE if e.oracle == "spec"}))
