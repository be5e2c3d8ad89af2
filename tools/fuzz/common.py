"""What every API's session shares: the oracle and the guard, the
descriptor pool, recipes for hostile arguments, divergences and the
``Session`` base class."""

from __future__ import annotations

import dataclasses
import decimal
import fractions
import math
import random
import select as stock
import selectors as stock_selectors
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.fds import NR_OPEN, Pool
from tests.support.fds import POOL_ACTIONS as _POOL_ACTIONS
from tests.support.hostile import (
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
    Real,
    RealRaises,
    restore_fds,
)
from tests.support.oracle import outcome as _outcome

ROOT = Path(__file__).resolve().parents[2]

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
