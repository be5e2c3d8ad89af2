#!/usr/bin/env python3
"""Differential fuzzer: the stock ``select`` module against rselect, long runs.

Every operation runs twice, once through the interpreter's own ``select``
(and ``selectors``) and once through rselect (and ``rselect.selectors``), over
the very same real descriptors: pipes, socketpairs, a regular file, closed
numbers and numbers closed and reopened. Outcomes are compared as the value
(normalised: positions of the objects returned, sorted epoll events, selector
keys by identity), or the exception's type, message and errno, plus the
warnings raised. Any difference is a divergence.

    python tools/fuzz.py                      100,000 operations per API
    python tools/fuzz.py --ops 2000 --seed 7  a small reproducible run
    python tools/fuzz.py --seconds 30 --api poll --api epoll
    python tools/fuzz.py --replay results/fuzz/poll-1a2b3c4d.repro

APIs: ``select`` (select()), ``poll`` (poll objects), ``epoll`` (epoll objects:
register/modify/unregister/poll/fileno/closed/close/context manager/fromfd),
``epoll_new`` (the epoll constructor's and fromfd()'s arguments),
``selectors`` (SelectSelector, PollSelector and EpollSelector). ``kevent`` is
fuzzed only when rselect exposes it: never on Linux, where the stock module
has none either (the portable kevent of a test build is compared with
CPython's own argument parser by tests_portable/ instead).

Arguments are hostile: huge and negative ints (+-2**31, +-2**63, +-2**64,
2**1000), ``__index__`` objects (returning ints, int subclasses, non-ints,
raising), floats, NaN, +-inf, bools, Decimal, Fraction, ``__float__``
objects (returning floats or non-floats, raising), objects whose
fileno() raises, returns garbage, closes the descriptor or mutates the list
being converted, lists of up to 100,000 entries, maxevents up to 2**31-1,
masks beyond 32 bits and negative masks.

Runs are driven by a seeded random generator (``--seed``): the same seed and
budget give the same operations. Each API runs episodes of up to
``--episode`` operations on fresh objects and a fresh descriptor pool; a
divergence is minimised (delta debugging over the episode's operations,
replayed on fresh objects) and written with both outcomes to stderr and to
``results/fuzz/<api>-<hash>.repro``, which ``--replay`` runs again. Exit
status 1 when any divergence was found.

Divergences already reported as rselect bugs are listed in ``KNOWN``: they
are counted apart (``known ...`` in the summary, one repro each,
``<api>-known-<id>.repro``) and fail the run only with ``--strict``. A
divergence where only one side was stopped by the guard (below) counts only
if replaying the episode reproduces it: on a loaded machine a preempted call
can outlast the guard; unconfirmed ones are written as ``-timing-`` repros.

Two classes of difference are not divergences, as in the CI differential
tests: argument-parser messages for a wrong number or wrong keywords of
arguments (PyO3 words them differently; the type, TypeError, must match), and
the documented lifting of FD_SETSIZE by rselect's select() on Linux: a list
of more than 1024 entries is compared with the stock answer on the same
descriptors without repetitions (numbers from 1024 to fs.nr_open are never
generated for select()).

Calls whose timeout may block (longer than 5 ms) run under a guard: a 50 ms
ITIMER_REAL whose handler raises ``Blocked``; both implementations must then
be interrupted alike. Every call starts with errno = 0 (stock reports a stale
errno in places, e.g. ``epoll.fromfd(-2)``). A whole episode that hangs
unguarded is stopped by ``--watchdog`` (faulthandler: stacks dumped, exit).

The hostile objects, the descriptor pool, the bad calls and the oracle
(``outcome()``, exception notes included) come from tests/support, as in
the tests; no test module is imported.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import decimal
import faulthandler
import fractions
import hashlib
import io
import json
import math
import os
import random
import select as stock
import selectors as stock_selectors
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support, when run as a script

from tests.support.fds import NR_OPEN, Pool, is_open, reserve_block  # noqa: E402
from tests.support.fds import POOL_ACTIONS as _POOL_ACTIONS  # noqa: E402
from tests.support.hostile import (  # noqa: E402
    EPOLL_BAD_CALLS,
    POLL_BAD_CALLS,
    EqualToAll,
    Fileno,
    FilenoCloses,
    FilenoGetattr,
    FilenoNotCallable,
    FilenoRaises,
    FloatSub,
    Index,
    IndexRaises,
    IntSub,
    Mutator,
    RaisingEq,
    Real,
    RealRaises,
    raising_iter,
    restore_fds,
)
from tests.support.oracle import clear_errno  # noqa: E402
from tests.support.oracle import outcome as _outcome  # noqa: E402

DEFAULT_OUT = ROOT / "results" / "fuzz"
APIS = ["select", "poll", "epoll", "epoll_new", "selectors", "kevent"]

NAN = float("nan")
INF = float("inf")
GUARD_SECONDS = 0.05
# A number no process can have open: EBADF/POLLNVAL everywhere, and "out of
# range" for both select()s (rselect's lifted limit stops at fs.nr_open).
FAR = max(NR_OPEN, 1 << 20) + 7

EXCEPTIONS = {
    e.__name__: e
    for e in (
        ValueError,
        TypeError,
        OverflowError,
        ZeroDivisionError,
        AttributeError,
        KeyError,
        OSError,
        RecursionError,
        MemoryError,
    )
}
BIG_INTS = [
    2**31 - 1,
    2**31,
    -(2**31),
    -(2**31) - 1,
    2**32 - 1,
    2**32,
    2**32 + 1,
    2**63 - 1,
    2**63,
    -(2**63),
    -(2**63) - 1,
    2**64 - 1,
    2**64,
    -(2**64),
    2**1000,
    -(2**1000),
]
SMALL_INTS = [0, 1, -1, -2, 2, 3, 7, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x10000, -0x8000]
FLOATS = [
    *(0.0, -0.0, 0.5, 1.0, 1.5, -0.5, -1.5, 1e-9, -1e-9, 5e-324, 1e300, -1e300),
    *(NAN, INF, -INF, 2.0**31, -(2.0**31), 2.0**63, 2.0**64, 0.0005, 1e-4, 0.001),
    *(9.3e9, 2147483.6475, -2147483.649, 9223372036.855),
]


class Blocked(Exception):
    """Raised by the guard's timer: the call was still waiting."""


# -- hostile objects ---------------------------------------------------------------------


class ListSub(list):
    pass


# -- outcomes ------------------------------------------------------------------------


def outcome(call: Callable[[], Any]) -> tuple:
    """The oracle of tests/support with the fuzzer's options: errno = 0 before
    the call (the fuzzer is single-threaded; the harness's own syscalls
    between the two calls would leave different values), and PyO3's
    PanicException, a BaseException, as an outcome."""
    return _outcome(call, reset_errno=True, catch_base=True)


_armed = False


def _on_alarm(signum, frame):
    if _armed:
        raise Blocked("still waiting when the guard fired")


def guarded(call: Callable[[], Any]) -> Callable[[], Any]:
    """The call, interrupted by Blocked if it waits for more than GUARD_SECONDS."""

    def run():
        global _armed
        _armed = True
        signal.setitimer(signal.ITIMER_REAL, GUARD_SECONDS)
        try:
            return call()
        finally:
            _armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)

    return run


def may_block(rec: tuple | None, seconds_per_unit: float, negative_blocks: bool) -> bool:
    """Whether a timeout recipe could make a call wait longer than 5 ms (then
    the call runs guarded). Short waits run unguarded: on a loaded machine a
    1 ms wait can overrun any small guard."""
    if rec is None:
        return True
    v = build(rec, None)  # timeout recipes need no pool
    if v is None:
        return True
    if isinstance(v, Index):
        v = v.value
        if not isinstance(v, int):
            return False  # TypeError
    if isinstance(v, IndexRaises) or isinstance(v, (str, bytes, complex, list)):
        return False
    if not isinstance(v, (int, float)):
        # Decimal, Fraction, __float__ objects: refused before 3.15, real numbers
        # from 3.15 (gh-67795); object(): refused. Guarded all the same.
        return True
    try:
        secs = float(v) * seconds_per_unit
    except OverflowError:
        return True
    if math.isnan(secs):
        return False
    if secs < 0:
        return negative_blocks
    return secs > 0.005


def show(result) -> str:
    """A result in a repro file: types by name."""

    def fmt(v):
        if isinstance(v, type):
            return v.__qualname__
        if isinstance(v, tuple):
            return "(" + ", ".join(fmt(x) for x in v) + ("," if len(v) == 1 else "") + ")"
        if isinstance(v, list):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        return repr(v)

    return fmt(result)


# -- the descriptor pool -------------------------------------------------------------

N_SLOTS = 4
KINDS = ["pipe", "socketpair", "file", "socketpair"]
BLOCK = Pool.block_size(N_SLOTS, sentinel=True)
POOL_ACTIONS = [*_POOL_ACTIONS, "reopen_pipe", "reopen_socketpair", "reopen_file"]


# -- building arguments from recipes -------------------------------------------------


class Ctx:
    """What building one side's arguments needs: the pool, the side's own
    object (for ("self",)) and the Mutators of the list being built."""

    def __init__(self, pool: Pool, own: object = None):
        self.pool = pool
        self.own = own
        self.mutators: list[Mutator] = []


def build(rec: tuple, ctx: Ctx) -> Any:
    k = rec[0]
    if k in ("i", "b", "f", "s", "y"):
        return rec[1]
    if k == "n":
        return None
    if k == "fd":
        return ctx.pool.fd(rec[1], rec[2])
    if k == "sfd":  # a pool number as text: selectors' int(fileno()) takes it
        return str(ctx.pool.fd(rec[1], rec[2]))
    if k == "yfd":
        return str(ctx.pool.fd(rec[1], rec[2])).encode()
    if k == "sentinel":
        return ctx.pool.sentinel(rec[1])
    if k == "gone":
        return ctx.pool.gone(rec[1])
    if k == "far":
        return FAR
    if k == "fdno":
        return Fileno(ctx.pool.fd(rec[1], rec[2]))
    if k == "fileno":
        return Fileno(build(rec[1], ctx))
    if k == "fileno_raise":
        return FilenoRaises(EXCEPTIONS[rec[1]], "fileno failed")
    if k == "fileno_close":
        return FilenoCloses(ctx.pool.fd(rec[1], rec[2]), restore=True)
    if k == "mutate":
        m = Mutator(ctx.pool.sentinel(1))
        ctx.mutators.append(m)
        return m
    if k == "notcallable":
        return FilenoNotCallable()
    if k == "getattr":
        return FilenoGetattr(ctx.pool.fd(rec[1], rec[2]))
    if k == "isub":
        return IntSub(build(rec[1], ctx))
    if k == "fsub":
        return FloatSub(rec[1])
    if k == "idx":
        return Index(build(rec[1], ctx))
    if k == "idxraise":
        return IndexRaises(EXCEPTIONS[rec[1]])
    if k == "dec":
        return decimal.Decimal(rec[1])
    if k == "frac":
        return fractions.Fraction(rec[1], rec[2])
    if k == "real":
        return Real(build(rec[1], ctx))
    if k == "realraise":
        return RealRaises(EXCEPTIONS[rec[1]])
    if k == "cx":
        return complex(rec[1], rec[2])
    if k == "obj":
        return object()
    if k == "list":
        return []
    if k == "self":
        return ctx.own
    raise ValueError(f"unknown recipe {rec!r}")


def rand_int(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.4:
        return rng.choice(BIG_INTS)
    if r < 0.7:
        return rng.choice(SMALL_INTS)
    bits = rng.choice([4, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100])
    return rng.getrandbits(bits) * rng.choice([1, 1, -1])


def hostile(rng: random.Random, ints: Callable[[random.Random], int] = rand_int) -> tuple:
    """Any value: numbers of every kind, index objects, objects of no use."""
    r = rng.random()
    if r < 0.35:
        return ("i", ints(rng))
    if r < 0.42:
        return ("b", rng.random() < 0.5)
    if r < 0.55:
        return ("f", rng.choice(FLOATS))
    if r < 0.65:
        inner = rng.choice(
            [
                *(("i", ints(rng)), ("i", ints(rng)), ("isub", ("i", ints(rng))), ("f", 1.5)),
                *(("s", "1"), ("b", True), ("n",)),
            ]
        )
        return ("idx", inner)
    if r < 0.68:
        return ("idxraise", rng.choice(list(EXCEPTIONS)))
    if r < 0.72:
        return ("isub", ("i", ints(rng)))
    if r < 0.75:
        return ("fsub", rng.choice(FLOATS))
    if r < 0.79:
        return ("dec", rng.choice(["0", "1", "1.5", "-1", "NaN", "Infinity", "1e30"]))
    if r < 0.82:
        return ("frac", rng.choice([0, 1, 3, -1, 10**30]), rng.choice([1, 2, 3, 1000]))
    if r < 0.835:
        inner = rng.choice([("f", rng.choice(FLOATS)), ("i", 1), ("s", "1"), ("n",)])
        return ("real", inner)
    if r < 0.84:
        return ("realraise", rng.choice(list(EXCEPTIONS)))
    return rng.choice(
        [("n",), ("s", "1"), ("s", ""), ("y", b"1"), ("cx", 0.0, 1.0), ("obj",), ("list",)]
    )


FD_INTS = [-1, -2, -(2**31), -(2**31) - 1, 2**31 - 1, 2**31, 2**32, 2**63, 2**64, -(2**64)]
FD_INTS += [2**1000, -(2**1000), FAR]


def fd_int(rng: random.Random) -> int:
    """Ints for descriptor arguments: never an arbitrary open number, never a
    number from FD_SETSIZE to fs.nr_open (select()'s documented difference)."""
    return rng.choice(FD_INTS) if rng.random() < 0.8 else -rng.getrandbits(rng.choice([8, 40]))


def fd_recipe(rng: random.Random, own: bool = True, close: bool = True) -> tuple:
    """A descriptor argument: mostly the pool's numbers, then everything else."""
    slot, end = rng.randrange(N_SLOTS), rng.randrange(2)
    r = rng.random()
    if r < 0.45:
        return ("fd", slot, end)
    if r < 0.52:
        return ("fdno", slot, end)
    if r < 0.56:
        return ("sentinel", rng.randrange(2))
    if r < 0.59:
        return ("gone", rng.randrange(2))
    if r < 0.61:
        return ("far",)
    if r < 0.68:
        return ("i", fd_int(rng))
    if r < 0.71:
        return ("isub", ("fd", slot, end))
    if r < 0.73:
        return ("idx", ("fd", slot, end))
    if r < 0.80:
        inner = rng.choice(
            [
                *(("i", fd_int(rng)), ("sfd", slot, end), ("f", 1.0), ("b", True), ("n",)),
                *(("isub", ("fd", slot, end)), ("idx", ("fd", slot, end)), ("far",)),
                *(("gone", 0), ("yfd", slot, end), ("i", -1), ("s", "x"), ("f", 1.5)),
            ]
        )
        return ("fileno", inner)
    if r < 0.84:
        return ("fileno_raise", rng.choice(list(EXCEPTIONS)))
    if r < 0.87 and close:
        return ("fileno_close", slot, end)
    if r < 0.89:
        return ("getattr", slot, end)
    if r < 0.90:
        return ("notcallable",)
    if r < 0.92 and own:
        return ("self",)
    return hostile(rng, fd_int)


def pool_op(rng: random.Random) -> tuple:
    return ("pool", rng.choice(POOL_ACTIONS), rng.randrange(N_SLOTS), rng.randrange(2))


# -- sessions ------------------------------------------------------------------------


@dataclasses.dataclass
class Divergence:
    index: int  # of the operation in the sequence replayed
    op: tuple
    want: tuple
    got: tuple

    @property
    def known(self) -> str | None:
        for k in KNOWN:
            if k.match(self.op, self.want, self.got):
                return k.id
        return None

    @property
    def timing(self) -> bool:
        """Exactly one side was interrupted by the guard."""
        return (self.want[:2] == ("raise", Blocked)) != (self.got[:2] == ("raise", Blocked))

    @property
    def signature(self) -> tuple:
        def kind(r):
            if r[0] == "ok":
                return "ok"
            return r[1].__name__ if isinstance(r[1], type) else str(r[1])

        return (self.op[0], kind(self.want), kind(self.got), self.known)


@dataclasses.dataclass(frozen=True)
class Known:
    """A divergence already reported (an rselect bug awaiting its fix): counted
    and written once, apart from the others; --strict fails on it too."""

    id: str
    description: str
    match: Callable[[tuple, tuple, tuple], bool]


# Both divergences found so far (convert::c_int replacing an OverflowError
# raised by __index__, convert::u32_bitwise calling __index__ twice) are fixed;
# tests/reliability/test_reliability_fuzz.py keeps their reproductions as plain tests.
KNOWN: list[Known] = []


@dataclasses.dataclass
class Impl:
    """The pair of implementations compared (``ours`` can be a fake, for tests)."""

    stock: Any = stock
    ours: Any = None
    stock_selectors: Any = stock_selectors
    ours_selectors: Any = None


class Session:
    """One API's objects (a stock one and an rselect one) and the pool.

    ``gen`` draws the next operation from the current state; ``apply`` runs an
    operation on both sides and returns a Divergence or None. Operations are
    plain data (replayable): the first of an episode is always ("new", ...).
    """

    api = ""
    parser_ops: frozenset = frozenset()

    def __init__(self, impl: Impl, pool: Pool):
        self.impl = impl
        self.pool = pool
        self.n_calls = 0

    def close(self) -> None:
        pass

    def first(self, rng: random.Random) -> tuple:
        return ("new",)

    def gen(self, rng: random.Random) -> tuple:
        raise NotImplementedError

    def apply(self, op: tuple, index: int) -> Divergence | None:
        if op[0] == "pool":
            self.pool.act(op[1], op[2], op[3])
            return None
        self.n_calls += 1
        want, got = self.run(op)
        if op[0] in self.parser_ops and want[0] == got[0] == "raise":
            same = want[1] is got[1] and want[4] == got[4]
        else:
            same = got == want
        return None if same else Divergence(index, op, want, got)

    def run(self, op: tuple) -> tuple[tuple, tuple]:
        raise NotImplementedError

    def side(self, own, call, guard=False, norm=None) -> tuple:
        """Build the arguments for one side, call, put descriptors back."""
        ctx = Ctx(self.pool, own)
        fn = guarded(lambda: call(ctx)) if guard else (lambda: call(ctx))
        try:
            res = outcome(fn)
        finally:
            restore_fds()
        if norm is not None and res[0] == "ok":
            res = ("ok", norm(res[1], ctx), res[2])
        return res


# -- select() ------------------------------------------------------------------------

SELECT_SAFE_T = [0, 0.0, -0.0, False, 1e-9, 5e-324, 0.0001, 1e-4]
SELECT_T_RECIPES = [("f", x) for x in SELECT_SAFE_T if isinstance(x, float)]
SELECT_T_RECIPES += [("i", 0), ("b", False), ("idx", ("i", 0)), ("isub", ("i", 0))]
SELECT_T_RECIPES += [("fsub", 0.0), ("idx", ("i", 2**70)), ("idxraise", "ValueError")]


def select_item(rng: random.Random, pure: bool = False) -> tuple:
    """An entry of a select() list (pure: no side effects, for repeated lists)."""
    slot, end = rng.randrange(N_SLOTS), rng.randrange(2)
    r = rng.random()
    if r < 0.45:
        return ("fd", slot, end)
    if r < 0.52:
        return ("sentinel", rng.randrange(2))
    if r < 0.55:
        return ("gone", rng.randrange(2))
    if r < 0.6:
        return ("fdno", slot, end)
    if not pure and r < 0.63:
        return ("mutate",)
    if not pure and r < 0.66:
        return ("fileno_close", slot, end)
    return fd_recipe(rng, own=False, close=not pure)


def select_list(rng: random.Random) -> tuple:
    r = rng.random()
    if r < 0.0015:
        n = rng.choice([1025, 5000, 100_000])
    elif r < 0.015:
        n = rng.choice([1023, 1024, 1025, rng.randrange(9, 1100)])
    else:
        n = -1
    if n >= 0:
        pattern = [select_item(rng, pure=True) for _ in range(rng.randrange(1, 4))]
        insert = None
        if rng.random() < 0.5:
            insert = (rng.randrange(n + 1), select_item(rng, pure=True))
        return ("big", rng.choice(["list", "list", "tuple", "gen"]), n, pattern, insert)
    if r < 0.05:
        bad = rng.choice([("i", 1), ("n",), ("f", 2.5), ("s", "ab"), ("s", ""), ("obj",)])
        return ("bad", bad)
    container = rng.choice(["list"] * 5 + ["tuple", "gen", "listsub", "dict", "raising_iter"])
    items = [select_item(rng) for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 8]))]
    if rng.random() < 0.03:
        container = "set"
        items = [("fd", rng.randrange(N_SLOTS), rng.randrange(2)) for _ in items]
    return (container, items)


def hostile_timeout(rng: random.Random, seconds_per_unit: float, negative_blocks: bool) -> tuple:
    """A hostile timeout; one that may wait (then guarded: up to 2 x 50 ms when
    nothing is ready) only rarely."""
    for _ in range(20):
        t = hostile(rng)
        if not may_block(t, seconds_per_unit, negative_blocks) or rng.random() < 0.03:
            return t
    return ("i", 0)


def select_timeout(rng: random.Random) -> tuple:
    r = rng.random()
    if r < 0.8:
        return rng.choice(SELECT_T_RECIPES)
    if r < 0.998:
        return hostile_timeout(rng, 1.0, negative_blocks=False)
    return ("n",)  # no timeout: blocks unless something is ready (guarded)


def _expand(rec: tuple) -> tuple[list, list[int]]:
    """A repeated list's distinct recipes, and each entry as an index into them."""
    _, _, n, pattern, insert = rec
    distinct = list(pattern)
    index = list(range(len(pattern))) * (n // len(pattern) + 1)
    del index[n:]
    if insert is not None:
        distinct.append(insert[1])
        index.insert(insert[0], len(distinct) - 1)
    return distinct, index


def build_select_list(rec: tuple, ctx: Ctx) -> tuple[Any, list]:
    kind = rec[0]
    if kind == "bad":
        return build(rec[1], ctx), []
    if kind == "big":
        # Each distinct entry built once and repeated (the same object).
        container = rec[1]
        distinct, index = _expand(rec)
        built = [build(r, ctx) for r in distinct]
        items = [built[i] for i in index]
    else:
        container = kind
        items = [build(r, ctx) for r in rec[1]]
    if container == "list":
        seq: Any = items[:]
    elif container == "tuple":
        seq = tuple(items)
    elif container == "gen":
        seq = iter(items[:])
    elif container == "listsub":
        seq = ListSub(items)
    elif container == "dict":
        seq = dict.fromkeys(items)
    elif container == "set":
        seq = set(items)
    else:
        seq = raising_iter(items[:])
    for m in ctx.mutators:
        m.target = seq if isinstance(seq, list) else None
    ctx.mutators = []
    return seq, items


def _positions(result: list, items: list) -> list:
    """Each returned object as its position among the entries given (greedy, in order)."""
    out = []
    p = 0
    for obj in result:
        q = p
        while q < len(items) and items[q] is not obj:
            q += 1
        if q < len(items):
            out.append(q)
            p = q + 1
        else:
            out.append(("foreign", type(obj).__name__, repr(obj)[:40]))
    return out


class SelectSession(Session):
    api = "select"

    def gen(self, rng):
        if rng.random() < 0.15:
            return pool_op(rng)
        lists = [select_list(rng) for _ in range(3)]
        big = any(x[0] == "big" and x[2] > 8 for x in lists)
        t = rng.choice(SELECT_T_RECIPES[:4]) if big else select_timeout(rng)
        return ("select", *lists, t)

    def apply(self, op, index):
        if op[0] == "new":
            return None
        return super().apply(op, index)

    def call(self, module, lists, t):
        built: list[list] = []

        def call(ctx):
            args = []
            for rec in lists:
                seq, items = build_select_list(rec, ctx)
                args.append(seq)
                built.append(items)
            return module.select(*args, build(t, ctx))

        guard = may_block(t, 1.0, negative_blocks=False)

        def norm(value, ctx):
            if type(value) is not tuple or len(value) != 3:
                return ("not a 3-tuple", type(value).__name__)
            return tuple(
                (type(v).__name__, _positions(v, items) if isinstance(v, list) else repr(v))
                for v, items in zip(value, built, strict=True)
            )

        return self.side(None, call, guard=guard, norm=norm)

    def run(self, op):
        lists, t = op[1:4], op[4]
        want = self.call(self.impl.stock, lists, t)
        got = self.call(self.impl.ours, lists, t)
        if want[:3] == ("raise", ValueError, "too many file descriptors in select()"):
            want, exact = self.lifted_reference(lists, t)
            got = (*got[:-1], _warning_counts(got[-1], exact))
        return want, got

    def lifted_reference(self, lists, t) -> tuple[tuple, bool]:
        """Stock's answer for a list of more than FD_SETSIZE entries: the same
        call with each repeated list's distinct entries given once, the ready
        ones then mapped back to every position that holds them.

        Warnings (3.13: a bool entry warns at each conversion) are counted per
        (category, message), order aside: the reference's, plus those of the
        repetitions its distinct entries stand for, each entry's own measured
        alone. Only when every entry was converted (a result, or select(2)'s
        OSError): after a conversion error, which repetitions came before it is
        not known, and only the kinds of warnings are compared (exact: False)."""
        dedup = []
        for rec in lists:
            if rec[0] == "big":
                distinct, index = _expand(rec)
                first = sorted(range(len(distinct)), key=index.index)  # order of appearance
                dedup.append(("list", [distinct[i] for i in first]))
            else:
                dedup.append(rec)
        ref = self.call(self.impl.stock, dedup, t)
        converted = ref[0] == "ok" or (ref[1] is OSError and ref[3] is not None)
        warned = list(ref[-1])
        for rec in lists:
            if rec[0] == "big" and converted:
                distinct, index = _expand(rec)
                alone = [self.entry_warnings(d) for d in distinct]
                for d in range(len(distinct)):
                    warned += alone[d] * (index.count(d) - 1)
        counts = _warning_counts(tuple(warned), exact=converted)
        if ref[0] != "ok":
            return (*ref[:-1], counts), converted
        out = []
        for rec, item in zip(lists, ref[1], strict=True):
            if rec[0] != "big":
                out.append(item)
                continue
            distinct, index = _expand(rec)
            first = sorted(range(len(distinct)), key=index.index)
            ready = {first[p] for p in item[1] if isinstance(p, int)}
            out.append(("list", [i for i, d in enumerate(_expand(rec)[1]) if d in ready]))
        return ("ok", tuple(out), counts), converted

    def entry_warnings(self, rec: tuple) -> tuple:
        """The warnings of converting one (side-effect free) entry, alone."""
        entry = build(rec, Ctx(self.pool))
        return outcome(lambda: self.impl.stock.select([entry], [], [], 0))[-1]


def _warning_counts(warned: tuple, exact: bool = True) -> tuple:
    """Warnings as sorted ((category, message), count) pairs; the count is
    "some" when not exact."""
    counts: dict = {}
    for w in warned:
        counts[w] = counts.get(w, 0) + 1 if exact else "some"
    return tuple(sorted(counts.items(), key=repr))


# -- poll objects --------------------------------------------------------------------

POLL_BITS = [getattr(stock, n) for n in dir(stock) if n.startswith("POLL")]
# Timeouts that cannot block: no wait (the first five), or 1 ms.
POLL_SAFE_T = [("i", 0), ("f", 0.0), ("f", -0.0), ("b", False), ("idx", ("i", 0))]
POLL_SAFE_T += [("isub", ("i", 0)), ("fsub", 0.0), ("f", 1e-100), ("f", 0.5), ("i", 1)]
POLL_SAFE_T += [("b", True), ("idx", ("i", 1))]


def mask_recipe(rng: random.Random, bits: list, width: int) -> tuple:
    r = rng.random()
    if r < 0.45:
        return ("i", sum({rng.choice(bits) for _ in range(rng.randrange(0, 4))}))
    if r < 0.6:
        return ("i", rng.getrandbits(width))
    if r < 0.7:
        return ("i", rng.choice([0, -1, 2**width - 1, 2**width, 2**width + 1, -(2**width)]))
    return hostile(rng)


class PollSession(Session):
    api = "poll"
    parser_ops = frozenset({"badcall"})

    def __init__(self, impl, pool):
        super().__init__(impl, pool)
        self.objs: tuple = ()

    def gen(self, rng):
        r = rng.random()
        if r < 0.12:
            return pool_op(rng)
        if r < 0.40:
            mask = None if rng.random() < 0.15 else mask_recipe(rng, POLL_BITS, 16)
            return ("register", fd_recipe(rng), mask)
        if r < 0.55:
            return ("modify", fd_recipe(rng), mask_recipe(rng, POLL_BITS, 16))
        if r < 0.67:
            return ("unregister", fd_recipe(rng))
        if r < 0.95:
            x = rng.random()
            if x < 0.85:
                t = rng.choice(POLL_SAFE_T[:5] if rng.random() < 0.9 else POLL_SAFE_T)
            elif x < 0.998:
                t = hostile_timeout(rng, 1e-3, negative_blocks=True)
            else:
                t = None  # poll(): infinite (guarded)
            return ("poll", t)
        if r < 0.965:
            return ("badcall", rng.randrange(len(POLL_BAD_CALLS)))
        if r < 0.967:
            return ("register_range", rng.choice([100, 1000, 30_000]), rng.choice([0, 1, 7]))
        return ("new",)

    def close(self):
        self.objs = ()

    def run(self, op):
        if op[0] == "new":
            self.objs = (self.impl.stock.poll(), self.impl.ours.poll())
            return ("ok", None, ()), ("ok", None, ())
        guard = op[0] == "poll" and may_block(op[1], 1e-3, negative_blocks=True)
        want, got = (self.side(p, self.call(p, op), guard=guard) for p in self.objs)
        return want, got

    def call(self, p, op) -> Callable:
        kind = op[0]
        if kind == "register":
            if op[2] is None:
                return lambda ctx: p.register(build(op[1], ctx))
            return lambda ctx: p.register(build(op[1], ctx), build(op[2], ctx))
        if kind == "modify":
            return lambda ctx: p.modify(build(op[1], ctx), build(op[2], ctx))
        if kind == "unregister":
            return lambda ctx: p.unregister(build(op[1], ctx))
        if kind == "poll":
            if op[1] is None:
                return lambda ctx: p.poll()
            return lambda ctx: p.poll(build(op[1], ctx))
        if kind == "badcall":
            return lambda ctx: POLL_BAD_CALLS[op[1]](p, ctx.pool.fd(0, 0))
        if kind == "register_range":

            def many(ctx):
                for k in range(op[1]):
                    p.register(FAR + k, op[2])
                return p.poll(0)

            return many
        raise ValueError(op)


# -- epoll objects -------------------------------------------------------------------


def _close_outcome(e) -> tuple:
    """close() of an epoll object, as comparable data: from 3.15 (gh-146205)
    close() reports the error of close(2), EBADF for an object that adopted a
    closed number (fromfd); before, it ignores it."""
    try:
        clear_errno()
        e.close()
    except OSError as exc:
        return ("raise", type(exc).__name__, exc.errno)
    return ("ok",)


EPOLL_BITS = [
    getattr(stock, n) for n in dir(stock) if n.startswith("EPOLL") and n != "EPOLL_CLOEXEC"
]
# Timeouts that cannot block: no wait (all but the last two: (-0.001, 0)
# rounds to 0 ms), or 1 ms.
EPOLL_SAFE_T = [("i", 0), ("f", 0.0), ("f", -0.0), ("f", -0.0005), ("f", -1e-9), ("b", False)]
EPOLL_SAFE_T += [("idx", ("i", 0)), ("fsub", 0.0), ("isub", ("i", 0)), ("f", 1e-4), ("f", 0.001)]
MAXEVENTS = [-1, -1, 1, 2, 3, 64, 0, -2, 2**31 - 1, 2**31, -(2**31) - 1, 178956970, 178956971]


def _sorted_events(value, ctx):
    if type(value) is list:
        return ("list", sorted(value, key=repr))
    return ("not a list", type(value).__name__)


# fromfd() adopts any number it is given: only values that name no open
# descriptor (negative, too large, the pool's never-opened numbers, FAR) or
# are refused before adoption.
FROMFD_VALUES = [("i", v) for v in (-1, -2, -(2**31), -(2**31) - 1, 2**31, 2**63, 2**64)]
FROMFD_VALUES += [("i", -(2**64)), ("i", 2**1000), ("far",), ("gone", 0), ("gone", 1)]
FROMFD_VALUES += [("f", 1.5), ("f", NAN), ("f", -1.0), ("s", "3"), ("n",), ("y", b"3")]
FROMFD_VALUES += [("idx", ("i", -2)), ("idx", ("i", 2**64)), ("idx", ("f", 1.5))]
FROMFD_VALUES += [("idx", ("isub", ("i", -3))), ("idxraise", "ValueError"), ("isub", ("i", -5))]
FROMFD_VALUES += [("dec", "1"), ("frac", 1, 2), ("obj",), ("fdno", 0, 0), ("cx", 0.0, 1.0)]


def fromfd_value(rng: random.Random) -> tuple:
    return rng.choice(FROMFD_VALUES)


class EpollSession(Session):
    api = "epoll"
    parser_ops = frozenset({"badcall"})

    def __init__(self, impl, pool):
        super().__init__(impl, pool)
        self.objs: list = []

    def gen(self, rng):
        r = rng.random()
        if r < 0.12:
            return pool_op(rng)
        form = rng.choice(["pos", "kw", "fd_kw", "default", "default_kw"])
        if r < 0.38:
            return ("register", fd_recipe(rng), mask_recipe(rng, EPOLL_BITS, 32), form)
        if r < 0.5:
            return ("modify", fd_recipe(rng), mask_recipe(rng, EPOLL_BITS, 32), form[:3])
        if r < 0.6:
            return ("unregister", fd_recipe(rng), form[:3])
        if r < 0.85:
            x = rng.random()
            if x < 0.85:
                t = rng.choice(EPOLL_SAFE_T[:-2] if rng.random() < 0.9 else EPOLL_SAFE_T)
            elif x < 0.998:
                t = hostile_timeout(rng, 1.0, negative_blocks=True)
            else:
                t = rng.choice([None, ("i", -1), ("f", -1.0)])  # infinite (guarded)
            y = rng.random()
            m = ("i", rng.choice(MAXEVENTS)) if y < 0.8 else hostile(rng)
            forms = ["pos", "kw", "timeout_only", "timeout_kw"]
            form = rng.choice(forms) if rng.random() < 0.995 else "none"  # none: infinite
            return ("poll", t, m, form)
        if r < 0.88:
            return ("misc", rng.choice(["fileno", "closed", "enter"]))
        if r < 0.9:
            return ("badcall", rng.randrange(len(EPOLL_BAD_CALLS)))
        if r < 0.93:
            return ("lifecycle", rng.choice(["close", "exit", "exit3", "with", "close2"]))
        if r < 0.98:
            how = rng.choice(["dup", "dup_on_instance", "dup_index", "minus_one", "value"])
            return ("fromfd", how, fromfd_value(rng) if how == "value" else None)
        return ("new",)

    def close(self):
        for e in self.objs:
            # An object that adopted a closed number (fromfd): from 3.15 its
            # close() reports EBADF; the operations compare that, not cleanup.
            with contextlib.suppress(OSError):
                e.close()
        self.objs = []

    def replace(self, i: int, new) -> tuple:
        """Put `new` in place of object i, closing the old one: the close's
        outcome (EBADF from 3.15 if the old one had adopted a closed number)."""
        closing = _close_outcome(self.objs[i])
        self.objs[i] = new
        return closing

    def run(self, op):
        kind = op[0]
        if kind == "new":
            self.close()
            self.objs = [self.impl.stock.epoll(), self.impl.ours.epoll()]
            return ("ok", None, ()), ("ok", None, ())
        results = []
        for i, e in enumerate(self.objs):
            if kind == "fromfd":
                res = self.side(e, self.call(e, op))
                if res[0] == "ok":
                    new = res[1]
                    closing = self.replace(i, new)
                    res = ("ok", (type(new) is type(e), new.closed, closing), res[2])
                results.append(res)
            elif kind == "poll":
                guard = op[3] == "none" or may_block(op[1], 1.0, negative_blocks=True)
                results.append(self.side(e, self.call(e, op), guard=guard, norm=_sorted_events))
            else:
                results.append(self.side(e, self.call(e, op)))
        return results[0], results[1]

    def call(self, e, op) -> Callable:
        kind = op[0]
        if kind == "register":
            _, fd, mask, form = op

            def register(ctx):
                a = build(fd, ctx)
                if form == "pos":
                    return e.register(a, build(mask, ctx))
                if form == "kw":
                    return e.register(fd=a, eventmask=build(mask, ctx))
                if form == "fd_kw":
                    return e.register(a, eventmask=build(mask, ctx))
                if form == "default":
                    return e.register(a)
                return e.register(fd=a)

            return register
        if kind == "modify":
            _, fd, mask, form = op

            def modify(ctx):
                a = build(fd, ctx)
                if form == "pos":
                    return e.modify(a, build(mask, ctx))
                if form == "kw":
                    return e.modify(eventmask=build(mask, ctx), fd=a)
                return e.modify(a, eventmask=build(mask, ctx))

            return modify
        if kind == "unregister":
            _, fd, form = op

            def unregister(ctx):
                a = build(fd, ctx)
                return e.unregister(a) if form == "pos" else e.unregister(fd=a)

            return unregister
        if kind == "poll":
            _, t, m, form = op

            def poll(ctx):
                tv = build(t, ctx) if t is not None else None
                if form == "pos":
                    return e.poll(tv, build(m, ctx))
                if form == "kw":
                    return e.poll(maxevents=build(m, ctx), timeout=tv)
                if form == "timeout_only":
                    return e.poll(tv)
                if form == "timeout_kw":
                    return e.poll(timeout=tv)
                return e.poll()

            return poll
        if kind == "misc":

            def misc(ctx):
                if op[1] == "fileno":
                    fd = e.fileno()
                    link = os.readlink(f"/proc/self/fd/{fd}")
                    return (type(fd).__name__, link, os.get_inheritable(fd))
                if op[1] == "closed":
                    return (type(e.closed).__name__, e.closed)
                return e.__enter__() is e

            return misc
        if kind == "badcall":
            return lambda ctx: EPOLL_BAD_CALLS[op[1]](e, ctx.pool.fd(0, 0))
        if kind == "lifecycle":

            def lifecycle(ctx):
                what = op[1]
                if what == "close":
                    return e.close()
                if what == "close2":
                    return (e.close(), e.close(), e.closed)
                if what == "exit":
                    return e.__exit__()
                if what == "exit3":
                    return e.__exit__(None, None, None)
                with e as entered:
                    return entered is e

            return lifecycle
        if kind == "fromfd":
            return lambda ctx: self.fromfd(e, op[1], op[2], ctx)
        raise ValueError(op)

    @staticmethod
    def fromfd(e, how, value, ctx):
        cls = type(e)
        if how == "minus_one":
            return cls.fromfd(-1)
        if how == "value":
            return cls.fromfd(build(value, ctx))
        dup = os.dup(e.fileno())
        try:
            if how == "dup_on_instance":
                return e.fromfd(dup)
            if how == "dup_index":
                return cls.fromfd(Index(dup))
            return cls.fromfd(dup)
        except BaseException:
            os.close(dup)
            raise


class EpollNewSession(Session):
    """The constructor's and fromfd()'s arguments; each object closed at once."""

    api = "epoll_new"
    parser_ops = frozenset({"new_parser"})

    def gen(self, rng):
        r = rng.random()

        def arg():
            x = rng.random()
            if x < 0.5:
                return ("i", rng.choice([-1, 0, 1, 2, 1000, -2, stock.EPOLL_CLOEXEC, 12356]))
            return hostile(rng)

        if r < 0.75:
            form = rng.choice(["none", "s", "sf", "kw_s", "kw_f", "kw_sf", "s_kw_f"])
            return ("epoll", form, arg(), arg())
        if r < 0.85:
            return ("new_parser", rng.randrange(5))
        return ("fromfd", fromfd_value(rng))

    def apply(self, op, index):
        if op[0] == "new":
            return None
        return super().apply(op, index)

    @staticmethod
    def describe(e, ctx):
        try:
            fd = e.fileno()
            info = (
                type(fd).__name__,
                os.readlink(f"/proc/self/fd/{fd}") if fd >= 0 else None,
                os.get_inheritable(fd) if is_open(fd) else None,
            )
        except (OSError, ValueError) as exc:
            info = (type(exc).__name__, str(exc))
        closed = e.closed
        closing = _close_outcome(e)  # EBADF from 3.15 for an adopted closed number
        return (type(e).__name__, closed, info, closing, e.closed)

    def run(self, op):
        kind = op[0]
        results = []
        for mod in (self.impl.stock, self.impl.ours):
            if kind == "epoll":
                _, form, s, f = op

                def call(ctx, mod=mod, form=form, s=s, f=f):
                    if form == "none":
                        return mod.epoll()
                    if form == "s":
                        return mod.epoll(build(s, ctx))
                    if form == "sf":
                        return mod.epoll(build(s, ctx), build(f, ctx))
                    if form == "kw_s":
                        return mod.epoll(sizehint=build(s, ctx))
                    if form == "kw_f":
                        return mod.epoll(flags=build(f, ctx))
                    if form == "kw_sf":
                        return mod.epoll(flags=build(f, ctx), sizehint=build(s, ctx))
                    return mod.epoll(build(s, ctx), flags=build(f, ctx))

            elif kind == "new_parser":
                n = op[1]

                def call(ctx, mod=mod, n=n):
                    return [
                        lambda: mod.epoll(1, 0, 3),
                        lambda: mod.epoll(bogus=1),
                        lambda: mod.epoll(1, sizehint=1),
                        lambda: mod.epoll.fromfd(),
                        lambda: mod.epoll.fromfd(1, 2),
                    ][n]()

            elif kind == "fromfd":
                v = op[1]

                def call(ctx, mod=mod, v=v):
                    return mod.epoll.fromfd(build(v, ctx))

            else:
                raise ValueError(op)
            results.append(
                self.side(
                    None,
                    call,
                    norm=lambda v, ctx: self.describe(v, ctx) if v is not None else None,
                )
            )
        return results[0], results[1]


# -- selectors -----------------------------------------------------------------------

SELECTOR_NAMES = ["SelectSelector", "PollSelector", "EpollSelector"]
DATA = [None, 0, 1, 1.0, True, "a", NAN, RaisingEq(), EqualToAll(), ()]
SEL_EVENTS = [1, 2, 3, 0, 4, 5, 8, -1, True, False, 1.0, 1.5, "1", None, 2**64, -(2**64)]
SEL_T = [("i", 0), ("f", 0.0), ("i", -1), ("f", -0.5), ("b", False), ("f", 0.001)]
SEL_T_NOWAIT = SEL_T[:-1]


def _plain(v) -> bool:
    return type(v) in (int, float, str, bytes, bool, type(None))


class SelectorsSession(Session):
    """One stock selector and one rselect.selectors selector of the same class.

    File objects and data are built once per operation and given to both
    sides (the very same objects); results are compared structurally, keys by
    the identity of their file object and data, plus the whole state
    (``_fd_to_key``, the map, ``_readers``/``_writers``) after each call.
    """

    api = "selectors"

    def __init__(self, impl, pool):
        super().__init__(impl, pool)
        self.sels: list = []
        self.known: list = []
        self.known_ids: dict[int, int] = {}
        self.name = ""

    def first(self, rng):
        return ("new", rng.choice(SELECTOR_NAMES))

    def close(self):
        for s in self.sels:
            with contextlib.suppress(Exception):
                s.close()
        self.sels = []
        for obj in self.known:
            if isinstance(obj, io.FileIO):
                obj.close()
        self.known, self.known_ids = [], {}

    def fileobj(self, rng) -> tuple:
        r = rng.random()
        slot, end = rng.randrange(N_SLOTS), rng.randrange(2)
        if r < 0.3:
            return ("seen", rng.randrange(64))
        if r < 0.45:
            return ("fileio", slot, end)
        if r < 0.5:
            return ("isub", ("fd", slot, end))
        return fd_recipe(rng, own=False)

    def gen(self, rng):
        r = rng.random()
        ev = ("i", rng.choice(SEL_EVENTS))
        data = rng.randrange(len(DATA))
        if r < 0.12:
            return pool_op(rng)
        if r < 0.35:
            return ("register", self.fileobj(rng), ev, data)
        if r < 0.45:
            return ("unregister", self.fileobj(rng))
        if r < 0.55:
            return ("modify", self.fileobj(rng), ev, data)
        if r < 0.63:
            return ("get_key", self.fileobj(rng))
        if r < 0.7:
            what = rng.choice(["in", "getitem", "get", "len", "iter", "items"])
            return ("mapping", self.fileobj(rng), what)
        if r < 0.9:
            x = rng.random()
            if x < 0.985:
                t = rng.choice(SEL_T_NOWAIT)
            elif x < 0.995:
                t = rng.choice(SEL_T)
            else:
                t = rng.choice([None, ("i", 10), hostile_timeout(rng, 1.0, False)])
            return ("select", t)
        if r < 0.93:
            return ("close_object", rng.randrange(64))
        if r < 0.95:
            return ("close",)
        if r < 0.97:
            return ("fileno",)
        return ("new", rng.choice(SELECTOR_NAMES))

    def note(self, obj):
        if not _plain(obj) and id(obj) not in self.known_ids:
            self.known_ids[id(obj)] = len(self.known)
            self.known.append(obj)
        return obj

    def build_fileobj(self, rec, ctx):
        if rec[0] == "seen":
            return self.known[rec[1] % len(self.known)] if self.known else ctx.pool.fd(0, 0)
        if rec[0] == "fileio":
            fd = ctx.pool.fd(rec[1], rec[2])
            if fd not in ctx.pool.open:
                return self.note(Fileno(fd))
            return self.note(open(fd, "rb", buffering=0, closefd=False))
        return self.note(build(rec, ctx))

    def obj(self, v):
        if _plain(v):
            return ("value", type(v).__name__, repr(v))
        i = self.known_ids.get(id(v))
        if i is not None and self.known[i] is v:
            return ("object", i)
        for j, d in enumerate(DATA):
            if v is d:
                return ("data", j)
        return ("other", type(v).__name__)

    def norm(self, v, mod, sel):
        if isinstance(v, (stock_selectors.SelectorKey, mod.SelectorKey)):
            return (
                "key",
                type(v) is mod.SelectorKey,
                self.obj(v.fileobj),
                (type(v.fd).__name__, repr(v.fd)),
                (type(v.events).__name__, repr(v.events)),
                self.obj(v.data),
            )
        if isinstance(v, list):
            return [self.norm(x, mod, sel) for x in v]
        if type(v) is tuple:
            return tuple(self.norm(x, mod, sel) for x in v)
        if isinstance(v, (int, float)):
            return (type(v).__name__, repr(v))
        if isinstance(v, mod._SelectorMapping):
            return ("mapping", v._selector is sel)
        return self.obj(v)

    def state(self, sel, mod):
        try:
            m = sel.get_map()
            mapping = None if m is None else (len(m), [self.norm(k, mod, sel) for k in m])
        except Exception as exc:  # pragma: no cover - reported as a difference
            mapping = ("raise", type(exc).__name__)
        out = [self.norm(list(sel._fd_to_key.items()), mod, sel), mapping]
        if isinstance(sel, mod.SelectSelector):
            out.append(sorted(repr(x) for x in sel._readers))
            out.append(sorted(repr(x) for x in sel._writers))
        return out

    def run(self, op):
        kind = op[0]
        if kind == "new":
            for s in self.sels:
                s.close()
            self.name = op[1]
            self.sels = [
                getattr(self.impl.stock_selectors, self.name)(),
                getattr(self.impl.ours_selectors, self.name)(),
            ]
            return ("ok", None, ()), ("ok", None, ())
        if kind == "close_object":
            closable = [o for o in self.known if isinstance(o, (io.FileIO, Fileno))]
            if closable:
                o = closable[op[1] % len(closable)]
                if isinstance(o, Fileno):
                    o.closed = True
                else:
                    o.close()
            return ("ok", None, ()), ("ok", None, ())
        # The file objects: built once, shared by both sides.
        ctx = Ctx(self.pool)
        args: list = []
        if kind in ("register", "unregister", "modify", "get_key", "mapping"):
            args.append(self.build_fileobj(op[1], ctx))
        mods = (self.impl.stock_selectors, self.impl.ours_selectors)
        guard = kind == "select" and may_block(op[1], 1.0, negative_blocks=False)
        want, got = (
            self.run_side(sel, mod, self.call(sel, op, args, ctx), guard, kind == "select", ctx)
            for sel, mod in zip(self.sels, mods, strict=True)
        )
        return want, got

    @staticmethod
    def call(sel, op, args, ctx) -> Callable:
        kind = op[0]
        if kind == "register":
            return lambda: sel.register(args[0], build(op[2], ctx), DATA[op[3]])
        if kind == "modify":
            return lambda: sel.modify(args[0], build(op[2], ctx), DATA[op[3]])
        if kind == "unregister":
            return lambda: sel.unregister(args[0])
        if kind == "get_key":
            return lambda: sel.get_key(args[0])
        if kind == "mapping":

            def mapping():
                m = sel.get_map()
                what = op[2]
                if what == "in":
                    return args[0] in m
                if what == "getitem":
                    return m[args[0]]
                if what == "get":
                    return m.get(args[0])
                if what == "len":
                    return len(m)
                if what == "iter":
                    return list(m)
                return list(m.items())

            return mapping
        if kind == "select":
            return lambda: sel.select(None if op[1] is None else build(op[1], ctx))
        if kind == "close":
            return sel.close
        if kind == "fileno":
            return lambda: (type(sel.fileno()).__name__, sel.fileno() == sel._selector.fileno())
        raise ValueError(op)

    def run_side(self, sel, mod, call, guard, sort, ctx):
        fn = guarded(call) if guard else call
        try:
            res = _outcome(fn, reset_errno=True, catch_base=True, chaining=True)
            if res[0] == "ok":
                normed = self.norm(res[1], mod, sel)
                if sort and isinstance(normed, list) and self.name == "EpollSelector":
                    normed.sort(key=repr)
                res = ("ok", normed, res[-1])
        finally:
            restore_fds()
        return (*res, self.state(sel, mod))


# -- kevent (only where rselect has one) --------------------------------------------


class KeventSession(Session):
    api = "kevent"

    def gen(self, rng):
        args = tuple(hostile(rng) for _ in range(rng.randrange(1, 7)))
        return ("kevent", args)

    def apply(self, op, index):
        if op[0] == "new":
            return None
        return super().apply(op, index)

    def run(self, op):
        out = []
        for mod in (self.impl.stock, self.impl.ours):

            def call(ctx, mod=mod):
                k = mod.kevent(*(build(a, ctx) for a in op[1]))
                return (k.ident, k.filter, k.flags, k.fflags, k.data, k.udata)

            out.append(self.side(None, call))
        return out[0], out[1]


SESSIONS: dict[str, type[Session]] = {
    "select": SelectSession,
    "poll": PollSession,
    "epoll": EpollSession,
    "epoll_new": EpollNewSession,
    "selectors": SelectorsSession,
    "kevent": KeventSession,
}


def available(api: str, impl: Impl) -> str | None:
    """None if the API can be fuzzed here, else why not."""
    if api in ("poll",) and not hasattr(impl.stock, "poll"):
        return "no poll on this platform"
    if api in ("epoll", "epoll_new") and not hasattr(impl.stock, "epoll"):
        return "no epoll on this platform"
    if api == "kevent":
        if not hasattr(impl.ours, "kevent"):
            return (
                "rselect exposes no kevent on this platform (Linux: neither does the stock "
                "module); its portable kevent is checked by tests_portable/ on a test build"
            )
        if not hasattr(impl.stock, "kevent"):
            return "the stock module has no kevent to compare with"
    return None


# -- driving -------------------------------------------------------------------------


class Env:
    """Process-wide resources of a run: the pool's block, the regular file,
    the guard's signal handler."""

    def __init__(self):
        fd, self.path = tempfile.mkstemp(prefix="rselect-fuzz-")
        os.close(fd)
        self.base = reserve_block(BLOCK, 80)
        self.old_handler = signal.signal(signal.SIGALRM, _on_alarm)

    def pool(self) -> Pool:
        if os.stat(self.path).st_size > 1 << 20:
            os.truncate(self.path, 0)
        return Pool(KINDS, base=self.base, path=self.path, sentinel=True)

    def close(self):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.old_handler)
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def replay(api: str, ops: list, impl: Impl, env: Env, target=None) -> Divergence | None:
    """Run `ops` on fresh objects: the first divergence, if any (known ones
    are passed over unless they have the `target` signature)."""
    pool = env.pool()
    session = SESSIONS[api](impl, pool)
    try:
        for i, op in enumerate(ops):
            d = session.apply(op, i)
            if d is not None and (d.known is None or d.signature == target):
                return d
        return None
    finally:
        session.close()
        pool.close_all()


def confirm(api, ops, d: Divergence, impl, env, tries: int = 3) -> bool:
    """Whether replaying `ops` diverges again the same way (at the same step)."""
    for _ in range(tries):
        again = replay(api, ops, impl, env, d.signature)
        if again is not None and again.signature == d.signature and again.index == d.index:
            return True
    return False


def minimise(api, ops, signature, impl, env, budget=200) -> tuple[list, bool]:
    """Delta debugging over the operations between the first ("new") and the
    diverging last one: the shortest sequence still diverging the same way."""
    d = replay(api, ops, impl, env, signature)
    if d is None or d.signature != signature or d.index != len(ops) - 1:
        return ops, False
    head, body, last = ops[:1], ops[1:-1], ops[-1]
    n = 2
    while body and budget > 0:
        chunk = max(1, math.ceil(len(body) / n))
        for start in range(0, len(body), chunk):
            cand = body[:start] + body[start + chunk :]
            seq = [*head, *cand, last]
            d = replay(api, seq, impl, env, signature)
            budget -= 1
            if d is not None and d.signature == signature and d.index == len(seq) - 1:
                body = cand
                n = max(n - 1, 2)
                break
            if budget <= 0:
                break
        else:
            if chunk == 1:
                break
            n = min(len(body), n * 2)
    return [*head, *body, last], True


def write_repro(out: Path, api, ops, d: Divergence, meta: dict, tag: str = "") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(repr((api, d.signature, ops)).encode()).hexdigest()[:10]
    known = d.known
    if tag:
        path = out / f"{api}-{tag}-{digest}.repro"
    elif known:
        path = out / f"{api}-known-{known}.repro"
    else:
        path = out / f"{api}-{digest}.repro"
    lines = [
        f"# rselect differential fuzzer: divergence in {api!r} at operation {d.op[0]!r}",
        *([f"# known: {known}"] if known else []),
        *(f"# {k}: {v}" for k, v in meta.items()),
        f"# replay: python tools/fuzz.py --replay {path}",
        f"# stock:   {show(d.want)}",
        f"# rselect: {show(d.got)}",
        f"API = {api!r}",
        "OPS = [",
        *(f"    {op!r}," for op in ops),
        "]",
        "",
    ]
    text = "\n".join(lines)
    path.write_text(text)
    if known is None and not tag:
        sys.stderr.write(f"\n--- divergence ({path}) ---\n{text}")
    return path


@dataclasses.dataclass
class Stats:
    api: str
    ops: int = 0
    pool_actions: int = 0
    episodes: int = 0
    divergences: int = 0
    distinct: int = 0
    known: dict = dataclasses.field(default_factory=dict)
    unconfirmed_timing: int = 0
    seconds: float = 0.0
    repros: list = dataclasses.field(default_factory=list)
    skipped: str | None = None

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["ops_per_second"] = round(self.ops / self.seconds) if self.seconds else 0
        d["seconds"] = round(self.seconds, 2)
        return d


def fuzz_api(
    api: str,
    *,
    ops: int | None,
    seconds: float | None,
    seed: int,
    impl: Impl,
    env: Env,
    out: Path,
    episode: int = 60,
    minimise_budget: int = 200,
    max_repros: int = 20,
    watchdog: float | None = None,
) -> Stats:
    stats = Stats(api)
    why = available(api, impl)
    if why:
        stats.skipped = why
        return stats
    rng = random.Random(f"{seed}:{api}")
    seen: dict[tuple, Path | None] = {}
    signatures: set[tuple] = set()
    start = time.monotonic()
    deadline = start + seconds if seconds else None

    def more() -> bool:
        if ops is not None and stats.ops >= ops:
            return False
        return deadline is None or time.monotonic() < deadline

    def report_one(d, ops_, sig):
        found_at = stats.ops
        small, reproduced = minimise(api, ops_, sig, impl, env, minimise_budget)
        final = replay(api, small, impl, env, sig) if reproduced else d
        meta = {
            "seed": seed,
            "found after operations": found_at,
            "episode length": len(ops_),
            "minimised length": len(small) if reproduced else "not reproduced on replay",
            "python": sys.version.split()[0],
        }
        seen[sig] = write_repro(out, api, small, final or d, meta)
        stats.repros.append(str(seen[sig]))

    while more():
        stats.episodes += 1
        if watchdog:  # a call that hangs unguarded: dump the stacks and exit
            faulthandler.dump_traceback_later(watchdog, exit=True)
        pool = env.pool()
        session = SESSIONS[api](impl, pool)
        log = [session.first(rng)]
        found: list[Divergence] = []
        try:
            d = session.apply(log[0], 0)
            length = rng.randrange(1, episode + 1)
            while d is None and len(log) < length and more():
                op = session.gen(rng)
                log.append(op)
                before = session.n_calls
                d = session.apply(op, len(log) - 1)
                if session.n_calls == before:
                    stats.pool_actions += 1
                else:
                    stats.ops += 1
                if d is not None and d.known is not None:
                    stats.known[d.known] = stats.known.get(d.known, 0) + 1
                    found.append(dataclasses.replace(d))
                    d = None  # a known divergence: the episode goes on
        finally:
            session.close()
            pool.close_all()
        if d is not None and d.timing and not confirm(api, log[: d.index + 1], d, impl, env):
            # Blocked on one side only, and never again on replay: a guard that
            # fired on a loaded machine (a preempted call), not a divergence.
            stats.unconfirmed_timing += 1
            if stats.unconfirmed_timing <= 3:
                meta = {"seed": seed, "unconfirmed": "diverged once, never on 3 replays"}
                write_repro(out, api, log[: d.index + 1], d, meta, tag="timing")
            d = None
        if d is not None:
            stats.divergences += 1
            signatures.add(d.signature)
            found.append(d)
        for d in found:
            sig = d.signature
            if sig in seen or len(seen) >= max_repros:
                continue
            report_one(d, log[: d.index + 1], sig)

    if watchdog:
        faulthandler.cancel_dump_traceback_later()
    stats.distinct = len(signatures)
    stats.seconds = time.monotonic() - start
    return stats


def default_impl() -> Impl:
    import rselect
    import rselect.selectors

    return Impl(ours=rselect, ours_selectors=rselect.selectors)


def run(
    apis: list[str],
    *,
    ops: int | None = 100_000,
    seconds: float | None = None,
    seed: int = 0,
    impl: Impl | None = None,
    out: Path = DEFAULT_OUT,
    episode: int = 60,
    report: Callable[[str], None] | None = print,
    watchdog: float | None = None,
) -> dict[str, Stats]:
    impl = impl or default_impl()
    env = Env()
    results = {}
    try:
        for api in apis:
            s = fuzz_api(
                api, ops=ops, seconds=seconds, seed=seed, impl=impl, env=env, out=out,
                episode=episode, watchdog=watchdog,
            )  # fmt: skip
            results[api] = s
            if report:
                if s.skipped:
                    report(f"{api:10s} skipped: {s.skipped}")
                else:
                    report(
                        f"{api:10s} {s.ops:8d} operations ({s.pool_actions} descriptor changes, "
                        f"{s.episodes} episodes) in {s.seconds:6.1f} s "
                        f"({s.as_dict()['ops_per_second']}/s): "
                        f"{s.divergences} divergences ({s.distinct} distinct)"
                        + "".join(f", known {k}: {n}" for k, n in sorted(s.known.items()))
                        + (
                            f", {s.unconfirmed_timing} guard timeouts not confirmed on replay"
                            if s.unconfirmed_timing
                            else ""
                        )
                    )
    finally:
        env.close()
    return results


def replay_file(path: str, impl: Impl | None = None) -> int:
    ns: dict = {"nan": NAN, "inf": INF}
    exec(compile(Path(path).read_text(), path, "exec"), ns)
    impl = impl or default_impl()
    env = Env()
    try:
        d = replay(ns["API"], ns["OPS"], impl, env)
    finally:
        env.close()
    if d is None:
        print(f"{path}: no divergence on replay")
        return 0
    print(f"{path}: divergence at operation {d.index}: {d.op!r}")
    print(f"  stock:   {show(d.want)}")
    print(f"  rselect: {show(d.got)}")
    return 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ops", type=int, default=None, help="operations per API (default 100000)")
    ap.add_argument("--seconds", type=float, default=None, help="time budget per API instead")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--api", action="append", choices=APIS, help="only these APIs (repeatable)")
    ap.add_argument("--episode", type=int, default=60, help="max operations per episode")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where repros are written")
    ap.add_argument("--json", type=Path, default=None, help="write the figures as JSON here")
    ap.add_argument("--replay", default=None, help="run a .repro file again")
    ap.add_argument(
        "--watchdog",
        type=float,
        default=300.0,
        help="seconds an episode may take before the run is stopped as hung (stacks dumped)",
    )
    ap.add_argument(
        "--strict", action="store_true", help="fail on the known (reported) divergences too"
    )
    args = ap.parse_args(argv)
    if args.replay:
        return replay_file(args.replay)
    ops = args.ops if args.ops is not None else (None if args.seconds else 100_000)
    apis = args.api or APIS
    print(
        f"rselect differential fuzzer: seed {args.seed}, "
        + (f"{ops} operations" if ops else f"{args.seconds} s")
        + f" per API, Python {sys.version.split()[0]}"
    )
    results = run(apis, ops=ops, seconds=args.seconds, seed=args.seed, out=args.out,
                  episode=args.episode, watchdog=args.watchdog)  # fmt: skip
    total = sum(s.divergences for s in results.values())
    known = sum(sum(s.known.values()) for s in results.values())
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "seed": args.seed,
                    "python": sys.version.split()[0],
                    "apis": {k: v.as_dict() for k, v in results.items()},
                },
                indent=1,
            )
        )
    print(
        f"total: {sum(s.ops for s in results.values())} operations, {total} divergences"
        f" (+ {known} known, reported rselect bugs: {', '.join(k.id for k in KNOWN)})"
    )
    return 1 if total or (args.strict and known) else 0


if __name__ == "__main__":
    sys.exit(main())
