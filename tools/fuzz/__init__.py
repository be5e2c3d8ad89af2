"""Differential fuzzer: the stock ``select`` module against rselect, long runs.

Every operation runs twice, once through the interpreter's own ``select``
(and ``selectors``) and once through rselect (and ``rselect.selectors``), over
the very same real descriptors: pipes, socketpairs, a regular file, closed
numbers and numbers closed and reopened. Outcomes are compared as the value
(normalised: positions of the objects returned, sorted epoll events, selector
keys by identity), or the exception's type, message and errno, plus the
warnings raised. Any difference is a divergence.

    python -m tools.fuzz                      100,000 operations per API
    python -m tools.fuzz --ops 2000 --seed 7  a small reproducible run
    python -m tools.fuzz --seconds 30 --api poll --api epoll
    python -m tools.fuzz --replay results/fuzz/poll-1a2b3c4d.repro

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

The package: ``common`` (the oracle, the guard, the pool, argument recipes,
``Session``), one module of sessions per API (``select_api``, ``poll_api``,
``epoll_api``, ``selectors_api``, ``kevent_api``) and ``driver`` (episodes,
replay, minimisation, repro files, the command line).
"""

from tests.support.fds import reserve_block
from tools.fuzz.common import (
    BIG_INTS,
    BLOCK,
    EXCEPTIONS,
    FAR,
    GUARD_SECONDS,
    KINDS,
    KNOWN,
    N_SLOTS,
    NR_OPEN,
    SMALL_INTS,
    Blocked,
    Ctx,
    Divergence,
    Impl,
    Pool,
    build,
    guarded,
    may_block,
    outcome,
    restore_fds,
    show,
)
from tools.fuzz.driver import SESSIONS, Env, default_impl, main, replay_file, run
from tools.fuzz.epoll_api import EpollSession

__all__ = [
    "BIG_INTS",
    "BLOCK",
    "EXCEPTIONS",
    "FAR",
    "GUARD_SECONDS",
    "KINDS",
    "KNOWN",
    "NR_OPEN",
    "N_SLOTS",
    "SESSIONS",
    "SMALL_INTS",
    "Blocked",
    "Ctx",
    "Divergence",
    "Env",
    "EpollSession",
    "Impl",
    "Pool",
    "build",
    "default_impl",
    "guarded",
    "main",
    "may_block",
    "outcome",
    "replay_file",
    "reserve_block",
    "restore_fds",
    "run",
    "show",
]
