"""Signal storms: a 1 ms interval timer through every waiting call.

docs/reliability.md, "2. Signals", has the figures and the long-run command.

SIGALRM fires every millisecond (``setitimer(ITIMER_REAL, 0.001, 0.001)``)
while ``select()``, ``poll.poll()``, ``epoll.poll()`` and the three
``rselect.selectors`` selectors wait, the stock module and the stdlib
selectors side by side with rselect in the same run:

- deadlines are kept: a wait with a timeout never ends early however many
  times it is interrupted, and its lateness is measured (max, p99) and
  bounded (one-sided, see ``LATE_*`` below);
- no event is lost: a pipe written mid-storm by another thread, or by the
  signal handler itself between two retries, is reported;
- a handler that raises ends the wait at once and leaves the object usable;
- SIGINT with the default handler interrupts an infinite wait with
  ``KeyboardInterrupt`` while the storm goes on.

The single-signal versions live in api/test_select_behaviour.py and
api/test_poll_epoll_threads.py. Helper threads block the signals, so every
signal lands on the main thread, the one waiting. A watchdog in the storm's
handler turns a wait that never ends into a failure (``Hung``) instead of a
hang.

CI mode keeps the storms short (about 1.5 s of storm for the deadlines, 6 s
for all the checks); ``RSELECT_LONG=1`` makes them several seconds per call
(3.3 s of waits with timeouts per module and API, 300 events, raises). The figures go to
``results/reliability/signals.jsonl``.
"""

from __future__ import annotations

import os
import queue
import random
import selectors as stock_selectors
import signal
import threading
import time
from contextlib import contextmanager

import pytest
import rselect.selectors as rselect_selectors

from tests.support.figures import record
from tests.support.modes import LONG
from tests.support.oracle import rselect, stock

pytestmark = [
    pytest.mark.serial,
    pytest.mark.skipif(not hasattr(stock, "epoll"), reason="Linux: poll and epoll"),
]

INTERVAL = 0.001  # the storm: SIGALRM every millisecond
#: Lateness allowed to a wait with a timeout under the storm, one-sided. The
#: machine is shared and timing under load is the machine's, not ours: at a
#: load average of 9-15 on 2 cores both modules had single waits 100-240 ms
#: late and medians of 5-20 ms. So the bounds are (quiet-machine figures,
#: recorded with each run, are a p99 of 1-6 ms):
#: - the best wait of the run is late by at most LATE_BEST_BOUND_MS: load
#:   only adds delays, while a systematic lateness (a timeout restarted once,
#:   time miscounted at each retry) shows in every interrupted wait;
#: - at most LATE_TAIL_SHARE of the waits (at least one) are late by more
#:   than LATE_TAIL_MS, and none by more than LATE_MAX_BOUND_MS.
#: A run that misses these is measured again once (load comes and goes; a bug
#: stays). Never early is checked on every wait of every run.
LATE_BEST_BOUND_MS = 5.0
LATE_TAIL_MS = 50.0
LATE_TAIL_SHARE = 0.10
LATE_MAX_BOUND_MS = 1000.0
#: How long a wait may run past its expected end before the storm's handler
#: raises Hung (a lost deadline or a lost event would otherwise hang the run).
WATCHDOG_S = 10.0
#: The timeouts of the deadline test per module and API, in seconds (integral
#: and fractional ms): 12 waits, 0.12 s in CI; 210 waits, 3.3 s in long mode.
_SHORT = (0.005, 0.0063, 0.0075, 0.010, 0.0123, 0.020)
TIMEOUTS = (*_SHORT, 0.050) * 30 if LONG else _SHORT * 2
#: Iterations of the event, raising-handler and SIGINT tests per module and API.
ITERATIONS = 300 if LONG else 12
SIGINT_ITERATIONS = 40 if LONG else 3

MODULES = {"stock": (stock, stock_selectors), "rselect": (rselect, rselect_selectors)}
APIS = ["select", "poll", "epoll", "SelectSelector", "PollSelector", "EpollSelector"]
API = pytest.mark.parametrize("api", APIS)
#: The infinite timeouts each API accepts (selectors take None only).
INFINITE = {"select": [None], "poll": [None, -1], "epoll": [None, -1]}
SIGNALS = {signal.SIGALRM, signal.SIGINT}


class Interrupt(Exception):
    """What the storm's handler raises when told to."""


class Hung(Exception):
    """Raised by the storm's handler when a wait overran its watchdog."""


class Storm:
    """SIGALRM every INTERVAL s; the handler counts, and can raise or write on cue."""

    def __init__(self):
        self.hits = 0
        self.raise_at: int | None = None  # raise Interrupt at this hit
        self.raised_at = 0.0
        self.write_at: int | None = None  # write self.write_fd at this hit
        self.write_fd = -1
        self.watchdog: float | None = None  # raise Hung past this monotonic time
        self.length = 0.0  # seconds of storm so far
        self._since: float | None = None
        self._old = signal.getsignal(signal.SIGALRM)

    def handler(self, signum, frame):
        self.hits += 1
        if self.write_at is not None and self.hits >= self.write_at:
            self.write_at = None
            os.write(self.write_fd, b"h")
        if self.raise_at is not None and self.hits >= self.raise_at:
            self.raise_at = None
            self.raised_at = time.monotonic()
            raise Interrupt
        if self.watchdog is not None and time.monotonic() > self.watchdog:
            self.watchdog = None
            raise Hung("a wait overran its watchdog: a deadline or an event was lost")

    def start(self):
        signal.signal(signal.SIGALRM, self.handler)
        self._since = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, INTERVAL, INTERVAL)

    def stop(self):
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        if self._since is not None:
            self.length += time.monotonic() - self._since
            self._since = None

    def guard(self, seconds: float | None):
        """Arms the watchdog for a wait of at most `seconds` (None: infinite)."""
        self.watchdog = time.monotonic() + (seconds or 0) + WATCHDOG_S

    def restore(self):
        self.stop()
        signal.signal(signal.SIGALRM, self._old)


@pytest.fixture
def storm():
    s = Storm()
    try:
        yield s
    finally:
        s.restore()


class Waiting:
    """One API of one module waiting for `r` (the read end of pipe `r`, `w`) to be readable."""

    def __init__(self, module, selectors, api, r, w):
        self.r, self.w = r, w
        self.api = api
        self._close = None
        if api == "select":
            self.empty = ([], [], [])
            self.ready = ([r], [], [])
            self._wait = lambda t: module.select([r], [], [], t)
        elif api == "poll":
            p = module.poll()
            p.register(r, stock.POLLIN)
            self.empty, self.ready = [], [(r, stock.POLLIN)]
            self._wait = lambda t: p.poll(t * 1000 if t is not None and t >= 0 else t)
        elif api in ("epoll", "epoll-et"):
            ep = module.epoll()
            et = stock.EPOLLET if api == "epoll-et" else 0
            ep.register(r, stock.EPOLLIN | et)
            self.empty, self.ready = [], [(r, stock.EPOLLIN)]
            self._wait = ep.poll
            self._close = ep.close
        else:
            sel = getattr(selectors, api)()
            key = sel.register(r, selectors.EVENT_READ, "data")
            self.sel = sel
            self.empty, self.ready = [], [(key, selectors.EVENT_READ)]
            self._wait = sel.select
            self._close = sel.close

    def wait(self, timeout):
        return self._wait(timeout)

    def close(self):
        if self._close is not None:
            self._close()

    def registrations_intact(self) -> bool:
        """The object still reports what it was given: a byte makes `r` ready."""
        assert self.wait(0) == self.empty
        os.write(self.w, b"u")
        got_now, got_wait = self.wait(0), self.wait(5)
        drain(self.r)
        intact = got_now == self.ready and got_wait == self.ready and self.wait(0) == self.empty
        if hasattr(self, "sel"):
            intact = intact and [k.fd for k in self.sel.get_map().values()] == [self.r]
        return intact


@contextmanager
def waitings(api, pipe):
    """{"stock": Waiting, "rselect": Waiting} over the same pipe."""
    r, w = pipe
    made = {}
    try:
        for name, (module, selectors) in MODULES.items():
            made[name] = Waiting(module, selectors, api, r, w)
        yield made
    finally:
        for waiting in made.values():
            waiting.close()


def drain(fd):
    os.set_blocking(fd, False)
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass
    finally:
        os.set_blocking(fd, True)


def block_signals():
    """In a helper thread: leave SIGALRM and SIGINT to the main thread."""
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)


def stats_ms(values: list[float]) -> dict:
    ms = sorted(v * 1000 for v in values)
    if not ms:
        return {}
    return {
        "min": round(ms[0], 3),
        "max": round(ms[-1], 3),
        "p99": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 3),
        "p90": round(ms[min(len(ms) - 1, int(len(ms) * 0.90))], 3),
        "median": round(ms[len(ms) // 2], 3),
    }


def order(i):
    """Alternates which module goes first, so neither always waits after the other."""
    return ("stock", "rselect") if i % 2 == 0 else ("rselect", "stock")


# -- deadlines kept ----------------------------------------------------------------------


def measure_deadlines(storm, made):
    """Lateness of each wait (s) per module, and the waits that ended early."""
    late = {"stock": [], "rselect": []}
    early = {"stock": [], "rselect": []}
    interrupted = {"stock": 0, "rselect": 0}
    storm.start()
    for i, timeout in enumerate(TIMEOUTS):
        for name in order(i):
            storm.guard(timeout)
            hits = storm.hits
            t0 = time.monotonic()
            got = made[name].wait(timeout)
            elapsed = time.monotonic() - t0
            assert got == made[name].empty, name
            interrupted[name] += storm.hits > hits
            if elapsed < timeout:
                early[name].append((timeout, elapsed))
            late[name].append(elapsed - timeout)
    storm.stop()
    return late, early, interrupted


def tail_count(values):
    return sum(v * 1000 > LATE_TAIL_MS for v in values)


@API
def test_deadlines_kept_through_a_storm(storm, pipe, api):
    """Never early, and late by little (LATE_* bounds), however often interrupted."""
    waits = len(TIMEOUTS)
    tail_allowed = max(1, int(waits * LATE_TAIL_SHARE))
    attempts = []
    with waitings(api, pipe) as made:
        for _ in range(2):
            late, early, interrupted = measure_deadlines(storm, made)
            attempts.append((late, early, interrupted))
            ms = sorted(v * 1000 for v in late["rselect"])
            if (
                ms[0] <= LATE_BEST_BOUND_MS
                and tail_count(late["rselect"]) <= tail_allowed
                and ms[-1] <= LATE_MAX_BOUND_MS
            ):
                break
    figures = {name: stats_ms(values) for name, values in late.items()}
    tail = {name: tail_count(values) for name, values in late.items()}
    record(
        "signals",
        check="deadlines",
        api=api,
        storm_s=round(storm.length, 3),
        signals=storm.hits,
        attempts=len(attempts),
        waits_per_module=waits,
        timeouts_ms=sorted({t * 1000 for t in TIMEOUTS}),
        interrupted_waits=interrupted,
        late_ms=figures,
        late_over_tail=tail,
        bounds_ms={
            "best": LATE_BEST_BOUND_MS,
            "tail": LATE_TAIL_MS,
            "tail_allowed": tail_allowed,
            "max": LATE_MAX_BOUND_MS,
        },
    )
    for _, early, _ in attempts:
        assert early == {"stock": [], "rselect": []}, "a wait ended before its timeout"
    # The storm did interrupt the waits (most of them, for both modules).
    assert min(interrupted.values()) >= waits // 2, (interrupted, storm.hits)
    assert figures["rselect"]["min"] <= LATE_BEST_BOUND_MS, figures
    assert tail["rselect"] <= tail_allowed, (tail, figures)
    assert figures["rselect"]["max"] <= LATE_MAX_BOUND_MS, figures


# -- no event lost -----------------------------------------------------------------------


class Writer(threading.Thread):
    """Writes one byte to `fd` after each delay put in its queue; None stops it."""

    def __init__(self, fd):
        super().__init__(daemon=True)
        self.fd = fd
        self.delays: queue.Queue = queue.Queue()
        self.written_at = 0.0

    def run(self):
        block_signals()
        while (delay := self.delays.get()) is not None:
            time.sleep(delay)
            self.written_at = time.monotonic()
            os.write(self.fd, b"t")

    def stop(self):
        self.delays.put(None)
        self.join(10)
        assert not self.is_alive()


@pytest.mark.parametrize("api", [*APIS, "epoll-et"])
def test_event_written_by_a_thread_mid_storm_is_reported(storm, pipe, api):
    r, w = pipe
    rng = random.Random(8)
    latency = {"stock": [], "rselect": []}
    writer = Writer(w)
    writer.start()
    try:
        with waitings(api, pipe) as made:
            storm.start()
            for i in range(ITERATIONS):
                for name in order(i):
                    # Up to 15 ms: a dozen signals before the byte arrives.
                    writer.delays.put(rng.uniform(0, 0.015))
                    storm.guard(5)
                    got = made[name].wait(5)
                    returned_at = time.monotonic()
                    assert got == made[name].ready, (name, i)
                    latency[name].append(max(0.0, returned_at - writer.written_at))
                    drain(r)
            storm.stop()
    finally:
        writer.stop()
    record(
        "signals",
        check="event_from_thread",
        api=api,
        storm_s=round(storm.length, 3),
        signals=storm.hits,
        events_per_module=ITERATIONS,
        wakeup_latency_ms={name: stats_ms(v) for name, v in latency.items()},
    )


@pytest.mark.parametrize("api", [*APIS, "epoll-et"])
def test_event_written_by_the_handler_between_retries_is_reported(storm, pipe, api):
    """The handler writes the pipe: the retried infinite wait must see the byte."""
    r, w = pipe
    rng = random.Random(8)
    storm.write_fd = w
    with waitings(api, pipe) as made:
        storm.start()
        for i in range(ITERATIONS):
            for name in order(i):
                storm.write_at = storm.hits + rng.randint(1, 10)
                storm.guard(None)
                got = made[name].wait(None)
                assert got == made[name].ready, (name, i)
                assert storm.write_at is None
                drain(r)
        storm.stop()
    record(
        "signals",
        check="event_from_handler",
        api=api,
        storm_s=round(storm.length, 3),
        signals=storm.hits,
        events_per_module=ITERATIONS,
    )


# -- raising handlers --------------------------------------------------------------------


@API
def test_raising_handler_ends_the_wait_at_once_and_the_object_stays_usable(storm, pipe, api):
    """Returning signals, then one that raises: the wait ends with it, every time."""
    rng = random.Random(8)
    timeouts = [10, None] + ([-1] if api in ("poll", "epoll") else [])
    delay = {"stock": [], "rselect": []}
    elapsed_max = {"stock": 0.0, "rselect": 0.0}
    usable = {"stock": [], "rselect": []}
    with waitings(api, pipe) as made:
        storm.start()
        for i in range(ITERATIONS):
            timeout = timeouts[i % len(timeouts)]
            for name in order(i):
                storm.guard(timeout)
                t0 = time.monotonic()
                with pytest.raises(Interrupt):
                    # Armed inside the block: a raise before the wait starts
                    # (the thread descheduled for 2 ms) is still caught here.
                    storm.raise_at = storm.hits + rng.randint(2, 20)
                    made[name].wait(timeout)
                caught_at = time.monotonic()
                delay[name].append(caught_at - storm.raised_at)
                elapsed_max[name] = max(elapsed_max[name], caught_at - t0)
                # Still under the storm: the next calls work, registrations intact.
                usable[name].append(made[name].registrations_intact())
        storm.stop()
    record(
        "signals",
        check="raising_handler",
        api=api,
        storm_s=round(storm.length, 3),
        signals=storm.hits,
        raises_per_module=ITERATIONS,
        raise_to_caught_ms={name: stats_ms(v) for name, v in delay.items()},
        longest_wait_ms={name: round(v * 1000, 3) for name, v in elapsed_max.items()},
    )
    assert usable["rselect"] == usable["stock"] == [True] * ITERATIONS
    # The exception left the wait at once: nowhere near the 10 s timeout.
    assert max(elapsed_max.values()) < 5, elapsed_max
    assert stats_ms(delay["rselect"])["max"] < 1000, delay


# -- KeyboardInterrupt from SIGINT -------------------------------------------------------


class Killer(threading.Thread):
    """Sends SIGINT to the main thread after `delay`; writes the pipe if it was lost."""

    def __init__(self, delay, how, rescue_fd):
        super().__init__(daemon=True)
        self.delay, self.how, self.rescue_fd = delay, how, rescue_fd
        self.sent_at = 0.0
        self.go = threading.Event()  # set by the main thread inside pytest.raises
        self.done = threading.Event()
        self.rescued = False

    def run(self):
        block_signals()
        if not self.go.wait(10):
            return
        time.sleep(self.delay)
        self.sent_at = time.monotonic()
        if self.how == "kill":  # process-directed: only the main thread takes it
            os.kill(os.getpid(), signal.SIGINT)
        else:
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        if not self.done.wait(8):
            self.rescued = True
            os.write(self.rescue_fd, b"r")


@pytest.fixture
def default_sigint():
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@API
def test_sigint_interrupts_an_infinite_wait_during_a_storm(storm, pipe, default_sigint, api):
    _, w = pipe
    rng = random.Random(8)
    delay = {"stock": [], "rselect": []}
    usable = {"stock": [], "rselect": []}
    cases = [(t, how) for t in INFINITE.get(api, [None]) for how in ("kill", "pthread_kill")]
    with waitings(api, pipe) as made:
        storm.start()
        for i in range(SIGINT_ITERATIONS):
            for timeout, how in cases:
                for name in order(i):
                    killer = Killer(rng.uniform(0.005, 0.03), how, w)
                    storm.watchdog = None  # the killer's rescue is the guard here
                    killer.start()
                    try:
                        with pytest.raises(KeyboardInterrupt):
                            # Not before: under load the SIGINT could land
                            # outside the block (in killer.start(), say).
                            killer.go.set()
                            made[name].wait(timeout)
                        delay[name].append(time.monotonic() - killer.sent_at)
                    finally:
                        killer.done.set()
                        killer.join(10)
                    assert not killer.rescued, (name, timeout, how)
                    usable[name].append(made[name].registrations_intact())
        storm.stop()
    record(
        "signals",
        check="sigint",
        api=api,
        storm_s=round(storm.length, 3),
        signals=storm.hits,
        interrupts_per_module=SIGINT_ITERATIONS * len(cases),
        sigint_to_keyboardinterrupt_ms={name: stats_ms(v) for name, v in delay.items()},
    )
    assert usable["rselect"] == usable["stock"] == [True] * (SIGINT_ITERATIONS * len(cases))
    assert stats_ms(delay["rselect"])["max"] < 1000, delay
