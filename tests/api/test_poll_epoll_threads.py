"""poll and epoll objects under real waits: threads, signals, timeouts, the GIL.

Most tests run against the stock module too (parametrised ``module``): the
stock behaviour is the reference, so a test that only holds for rselect is a
test that is wrong. Timing checks are one-sided (never early); upper bounds
are only generous "did not wait out the long timeout" limits.
"""

from __future__ import annotations

import functools
import os
import resource
import signal
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.modes import examples
from tests.support.oracle import outcome, rselect, stock
from tests.support.waiter import Waiter, progress_during

pytestmark = pytest.mark.skipif(not hasattr(stock, "epoll"), reason="Linux: poll and epoll")

MODULES = pytest.mark.parametrize("module", [stock, rselect], ids=["stock", "rselect"])
POLLIN, POLLOUT = stock.POLLIN, stock.POLLOUT
EPOLLIN, EPOLLOUT = stock.EPOLLIN, stock.EPOLLOUT
# 3.15 (gh-67795): timeouts take any real number and the TypeError names the type.
TIMEOUT_STR_MESSAGE = (
    "timeout must be a real number or None, not str"
    if sys.version_info >= (3, 15)
    else "timeout must be an integer or None"
)
# 3.15 (gh-142434): poll.poll() waits with ppoll(2) on Linux: nanoseconds,
# where older releases round a positive timeout up to whole milliseconds.
PPOLL = sys.version_info >= (3, 15)


def elapsed_since(t0: float) -> float:
    return time.monotonic() - t0


def poll_until_running_elsewhere(p, deadline=5.0, pause=0.02):
    """Probe p.poll(0) until it reports the other thread's running call."""
    t0 = time.monotonic()
    while elapsed_since(t0) < deadline:
        time.sleep(pause)
        got = outcome(lambda: p.poll(0))
        if got[0] == "raise":
            return got
    pytest.fail("the other thread's poll() was never seen running")


def busy_poll(p, timeout):
    """p.poll(timeout), retried while this thread's probe collides with ours."""
    while True:
        try:
            return p.poll(timeout)
        except RuntimeError:
            time.sleep(0.001)


# -- poll: one call at a time per object ------------------------------------------------


@MODULES
def test_second_concurrent_poll_raises_and_first_gets_its_event(module, pipe):
    r, w = pipe
    p = module.poll()
    p.register(r, POLLIN)
    waiter = Waiter(lambda: busy_poll(p, 5000))
    waiter.start()
    try:
        got = poll_until_running_elsewhere(p)
        assert got[:4] == ("raise", RuntimeError, "concurrent poll() invocation", None)
        # Conversion errors come before the running check.
        assert outcome(lambda: p.poll("x"))[1:3] == (TypeError, TIMEOUT_STR_MESSAGE)
    finally:
        os.write(w, b"x")
    assert waiter.finish() == [(r, POLLIN)]
    assert waiter.elapsed < 5  # woken by the write, not by its timeout
    # The flag was cleared after the normal return.
    assert p.poll(0) == [(r, POLLIN)]
    assert p.poll(10) == [(r, POLLIN)]


@MODULES
def test_running_flag_cleared_after_a_timeout(module, pipe):
    r, _ = pipe
    p = module.poll()
    p.register(r, POLLIN)
    waiter = Waiter(lambda: busy_poll(p, 300))
    waiter.start()
    got = poll_until_running_elsewhere(p)
    assert got[1] is RuntimeError
    assert waiter.finish() == []
    assert waiter.elapsed >= 0.3
    assert p.poll(0) == []
    t0 = time.monotonic()
    assert p.poll(30) == []
    assert elapsed_since(t0) >= 0.03


@pytest.mark.serial
@MODULES
def test_running_flag_cleared_after_an_os_error(module, pipe):
    """poll(2) fails with EINVAL when nfds exceeds RLIMIT_NOFILE: the flag is cleared."""
    _, w = pipe
    p = module.poll()
    p.register(w, POLLOUT)
    for k in range(80):
        p.register(10**6 + k)  # not open: POLLNVAL, but they count towards nfds
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
    try:
        with pytest.raises(OSError) as info:
            p.poll(0)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert info.value.errno == 22  # EINVAL
    got = p.poll(0)
    assert got[0] == (w, POLLOUT) and len(got) == 81


# -- poll/epoll: registration changes from another thread during a wait -----------------

N_IDLE = 4
PHANTOM = 10**6  # never open: POLLNVAL
change_op = st.tuples(
    st.sampled_from(["register", "modify", "unregister"]),
    st.one_of(st.integers(0, N_IDLE - 1), st.integers(0, 5).map(lambda k: PHANTOM + k)),
    st.integers(0, 0xFFFF),
)


@pytest.fixture(scope="module")
def idle_pipes():
    """N_IDLE pipes nobody writes to: their read ends never become ready."""
    pipes = [os.pipe() for _ in range(N_IDLE)]
    yield pipes
    for r, w in pipes:
        os.close(r)
        os.close(w)


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    initial=st.lists(st.tuples(st.integers(0, N_IDLE - 1), st.integers(1, 0xFFFF)), max_size=4),
    ops=st.lists(change_op, max_size=12),
)
def test_changes_during_a_running_poll_match_stock(idle_pipes, initial, ops):
    """register/modify/unregister while poll() runs elsewhere: same outcomes and
    the same table (order included) once it returns, as the stock object."""
    wake_r, wake_w = os.pipe()
    waiters: list[Waiter] = []
    try:
        objs = (stock.poll(), rselect.poll())
        for p in objs:
            p.register(wake_r, POLLIN)
            for i, mask in initial:
                p.register(idle_pipes[i][0], mask & ~POLLOUT)
        waiters += [Waiter(lambda p=p: busy_poll(p, 5000)) for p in objs]
        for t in waiters:
            t.start()
        for p in objs:
            assert poll_until_running_elsewhere(p, pause=0.002)[1] is RuntimeError

        for op, target, mask in ops:
            fd = idle_pipes[target][0] if target < N_IDLE else target
            if op == "register":
                want, got = (outcome(functools.partial(p.register, fd, mask)) for p in objs)
            elif op == "modify":
                want, got = (outcome(functools.partial(p.modify, fd, mask)) for p in objs)
            else:
                want, got = (outcome(functools.partial(p.unregister, fd)) for p in objs)
            assert got == want, (op, fd, mask)
        os.write(wake_w, b"x")
        want, got = (t.finish() for t in waiters)
        assert got == want == [(wake_r, POLLIN)]  # the running calls kept their table
        want, got = (p.poll(0) for p in objs)
        assert got == want
    finally:
        os.write(wake_w, b"x")  # a failed example must not leave waiters behind
        for t in waiters:
            t.join(10)
        os.close(wake_r)
        os.close(wake_w)


@MODULES
def test_poll_registration_changes_during_a_wait(module, pipe, socketpair):
    wake_r, wake_w = pipe
    a, b = socketpair
    idle_r, idle_w = os.pipe()
    try:
        p = module.poll()
        p.register(wake_r, POLLIN)
        p.register(idle_r, POLLIN)
        p.register(a, POLLIN)
        errors = []

        def change():
            # Give the main thread time to enter its wait, then change the set:
            # none of these calls may block on the running poll().
            time.sleep(0.2)
            try:
                p.register(b, POLLOUT)  # ready at once
                p.modify(a, POLLIN | POLLOUT)  # ready at once
                p.unregister(idle_r)
                p.register(idle_w, POLLIN)  # never ready for reading
            except BaseException as exc:
                errors.append(exc)
            os.write(wake_w, b"x")  # only then wake the waiter

        helper = Waiter(change)
        helper.start()
        t0 = time.monotonic()
        first = p.poll(5000)
        assert elapsed_since(t0) < 5  # woken by the helper: nothing blocked
        helper.finish()
        assert errors == []
        # The running call may or may not have seen the new registrations ...
        assert (wake_r, POLLIN) in first
        # ... the next one does, in registration order (a keeps its place).
        assert p.poll(0) == [(wake_r, POLLIN), (a.fileno(), POLLOUT), (b.fileno(), POLLOUT)]
        with pytest.raises(KeyError):
            p.unregister(idle_r)
    finally:
        os.close(idle_r)
        os.close(idle_w)


@MODULES
def test_epoll_registration_during_a_wait_wakes_it(module, pipe):
    r, w = pipe
    with module.epoll() as ep:
        registered = threading.Event()

        def register_later():
            time.sleep(0.2)
            ep.register(w, EPOLLOUT)  # writable at once: the kernel wakes the waiter
            registered.set()

        helper = Waiter(register_later)
        helper.start()
        t0 = time.monotonic()
        got = ep.poll(5)
        assert elapsed_since(t0) < 4
        helper.finish()
        assert registered.is_set()
        assert got == [(w, EPOLLOUT)]
        # register/modify/unregister from another thread during a wait, too.
        ep.unregister(w)
        ep.register(r, EPOLLOUT)  # a pipe's read end is never writable: idle

        def change_later():
            time.sleep(0.2)
            ep.register(w, EPOLLIN)  # a pipe's write end is never readable
            ep.unregister(w)
            ep.modify(r, EPOLLIN | EPOLLOUT)
            os.write(w, b"x")

        helper = Waiter(change_later)
        helper.start()
        t0 = time.monotonic()
        got = ep.poll(5)
        helper.finish()
        assert elapsed_since(t0) < 4
        assert got == [(r, EPOLLIN)]


@MODULES
def test_epoll_close_from_another_thread_does_not_wake_the_waiter(module):
    ep = module.epoll()
    closer = Waiter(lambda: (time.sleep(0.1), ep.close()))
    closer.start()
    t0 = time.monotonic()
    assert ep.poll(0.5) == []
    assert elapsed_since(t0) >= 0.5
    closer.finish()
    assert ep.closed
    with pytest.raises(ValueError, match="I/O operation on closed epoll object"):
        ep.poll(0)


# -- epoll: several waiters on one object -----------------------------------------------


@MODULES
def test_epoll_several_threads_wait_on_one_object(module, pipe):
    r, w = pipe
    with module.epoll() as ep:
        ep.register(r, EPOLLIN)
        go = threading.Barrier(5)

        def wait():
            go.wait()
            return ep.poll(3)

        waiters = [Waiter(wait) for _ in range(4)]
        for t in waiters:
            t.start()
        go.wait()
        time.sleep(0.2)  # let them all block
        os.write(w, b"x")
        results = [t.finish() for t in waiters]  # no RuntimeError, no crash
        assert all(res in ([], [(r, EPOLLIN)]) for res in results), results
        assert results.count([(r, EPOLLIN)]) >= 1
        woken = [t.elapsed for t, res in zip(waiters, results, strict=True) if res]
        assert min(woken) < 2.5  # the first was woken by the write


@MODULES
@pytest.mark.parametrize("maxevents", [1, -1])
def test_epoll_concurrent_waiters_share_the_ready_events(module, pipe, maxevents):
    """Edge-triggered: one write is reported once, to one of the waiters."""
    r, w = pipe
    with module.epoll() as ep:
        ep.register(r, EPOLLIN | stock.EPOLLET)
        waiters = [Waiter(lambda: ep.poll(0.5, maxevents)) for _ in range(3)]
        for t in waiters:
            t.start()
        time.sleep(0.1)
        os.write(w, b"x")
        results = [t.finish() for t in waiters]
    assert sorted(results) == [[], [], [(r, EPOLLIN)]]


# -- the GIL is released while waiting ------------------------------------------------


@MODULES
def test_gil_released_during_poll(module, pipe):
    r, _ = pipe
    p = module.poll()
    p.register(r, POLLIN)
    assert progress_during(lambda: p.poll(200)) > 1000


@MODULES
def test_gil_released_during_epoll_poll(module, pipe):
    r, _ = pipe
    with module.epoll() as ep:
        ep.register(r, EPOLLIN)
        assert progress_during(lambda: ep.poll(0.2)) > 1000


# -- signals during a wait --------------------------------------------------------------


class Interrupt(Exception):
    pass


@pytest.fixture
def itimer():
    """arm(handler, interval): SIGALRM every `interval` s; disarmed and restored after."""
    old = signal.getsignal(signal.SIGALRM)

    def arm(handler, interval):
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, interval, interval)

    try:
        yield arm
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, old)


def _poll_object(module, kind, fd):
    """(object, wait(timeout_s), unit) for 'poll' (milliseconds) or 'epoll' (seconds)."""
    if kind == "poll":
        p = module.poll()
        p.register(fd, POLLIN)
        return p, (lambda t: p.poll(None if t is None else t * 1000)), 1000
    ep = module.epoll()
    ep.register(fd, EPOLLIN)
    return ep, ep.poll, 1


KINDS = pytest.mark.parametrize("kind", ["poll", "epoll"])


@pytest.mark.serial
@KINDS
@MODULES
def test_returning_handler_keeps_the_full_timeout(itimer, pipe, module, kind):
    r, _ = pipe
    obj, wait, _ = _poll_object(module, kind, r)
    hits = []
    itimer(lambda *a: hits.append(1), 0.02)
    t0 = time.monotonic()
    got = wait(0.3)
    elapsed = elapsed_since(t0)
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    assert got == []
    assert len(hits) >= 2  # interrupted several times
    assert elapsed >= 0.3
    assert elapsed < 2.3  # the retries did not restart the full timeout each time
    if kind == "epoll":
        obj.close()


@pytest.mark.serial
@KINDS
@MODULES
@pytest.mark.parametrize("timeout", [10, None, -1])
def test_raising_handler_ends_the_wait_and_the_object_stays_usable(
    itimer, pipe, module, kind, timeout
):
    r, w = pipe
    obj, wait, unit = _poll_object(module, kind, r)
    # A safety net: should the exception get lost, the wait still ends.
    rescue = threading.Timer(8, os.write, (w, b"rescue"))
    rescue.start()
    calls = []

    def handler(*a):
        calls.append(1)
        if len(calls) == 1:  # later signals (before the timer is off) only count
            raise Interrupt

    try:
        itimer(handler, 0.05)
        t0 = time.monotonic()
        with pytest.raises(Interrupt):
            wait(timeout)
        elapsed = elapsed_since(t0)
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
    finally:
        rescue.cancel()
    assert elapsed < 5
    assert calls
    # Usable afterwards: for poll, the running flag was cleared.
    assert obj.poll(0) == []
    os.write(w, b"x")
    ready = POLLIN if kind == "poll" else EPOLLIN
    assert obj.poll(0) == [(r, ready)]
    assert obj.poll(5 * unit) == [(r, ready)]
    if kind == "epoll":
        obj.close()


@pytest.mark.serial
@MODULES
def test_handler_raising_in_a_later_signal(itimer, pipe, module):
    """Two signals return, the third raises: the infinite wait ends with it."""
    r, _ = pipe
    p = module.poll()
    p.register(r, POLLIN)
    calls = []

    def handler(*a):
        calls.append(1)
        if len(calls) == 3:
            raise Interrupt

    itimer(handler, 0.02)
    with pytest.raises(Interrupt):
        p.poll()
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    assert len(calls) >= 3
    assert p.poll(0) == []


@pytest.mark.serial
@MODULES
def test_handler_may_poll_during_an_epoll_wait(itimer, pipe, module):
    """A handler that waits on other epoll objects (and on this one) inside the wait."""
    r, _ = pipe
    other_r, other_w = os.pipe()
    try:
        with module.epoll() as ep, module.epoll() as other:
            ep.register(r, EPOLLIN)
            other.register(other_w, EPOLLOUT)
            seen = []

            def handler(*a):
                seen.append((other.poll(0), ep.poll(0, 5)))

            itimer(handler, 0.05)
            t0 = time.monotonic()
            got = ep.poll(0.3, 3)
            elapsed = elapsed_since(t0)
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
    finally:
        os.close(other_r)
        os.close(other_w)
    assert got == []
    assert elapsed >= 0.3
    assert seen and all(item == ([(other_w, EPOLLOUT)], []) for item in seen)


@pytest.mark.serial
@MODULES
def test_handler_polling_the_same_poll_object_ends_the_wait(itimer, pipe, module):
    """Re-entering poll() from a handler is a concurrent call: RuntimeError ends the wait."""
    r, _ = pipe
    p = module.poll()
    p.register(r, POLLIN)
    calls = []

    def handler(*a):
        calls.append(1)
        if len(calls) == 1:
            p.poll(0)

    itimer(handler, 0.05)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"^concurrent poll\(\) invocation$"):
        p.poll(10_000)
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    assert elapsed_since(t0) < 5
    assert p.poll(0) == []


# -- timeouts are never early -----------------------------------------------------------


@MODULES
@pytest.mark.parametrize("ms", [1, 0.5, 1e-6, 20, 20.5])
@pytest.mark.parametrize("registered", [False, True])
def test_poll_timeout_never_early(module, pipe, ms, registered):
    r, _ = pipe
    p = module.poll()
    if registered:
        p.register(r, POLLIN)
    t0 = time.monotonic_ns()
    assert p.poll(ms) == []
    elapsed = time.monotonic_ns() - t0
    if not PPOLL:
        # A positive timeout rounds up to whole milliseconds: never to 0.
        assert elapsed >= max(ms, 1) * 1_000_000
        return
    # ppoll(2): rounded up to whole nanoseconds, still never to 0 ...
    assert elapsed >= max(ms * 1_000_000, 1)
    if ms < 1:
        # ... and no longer to a millisecond: the shortest of a few waits is
        # under 1 ms (each one would last 1 ms or more if it were rounded up).
        shortest = elapsed
        for _ in range(20):
            t0 = time.monotonic_ns()
            assert p.poll(ms) == []
            shortest = min(shortest, time.monotonic_ns() - t0)
        assert shortest < 1_000_000


@MODULES
@pytest.mark.parametrize("seconds", [0.0001, 1e-9, 0.001, 0.02, 0.0205])
@pytest.mark.parametrize("registered", [False, True])
def test_epoll_timeout_never_early(module, pipe, seconds, registered):
    r, _ = pipe
    with module.epoll() as ep:
        if registered:
            ep.register(r, EPOLLIN)
        t0 = time.monotonic_ns()
        assert ep.poll(seconds) == []
        elapsed = time.monotonic_ns() - t0
    assert elapsed >= seconds * 1e9
    assert elapsed >= 100_000  # 1e-9 s and 0.0001 s round up to 1 ms, not down to 0


@MODULES
def test_epoll_tiny_negative_timeout_does_not_block(module, pipe):
    """-0.001 < t < 0 gives 0 ms (CEILING): a non-blocking call, not a wait forever."""
    r, w = pipe
    rescue = threading.Timer(5, os.write, (w, b"rescue"))  # should it block after all
    rescue.start()
    try:
        with module.epoll() as ep:
            ep.register(r, EPOLLIN)
            t0 = time.monotonic()
            assert ep.poll(-0.0005) == []
            assert ep.poll(-1e-9) == []
            assert elapsed_since(t0) < 2
    finally:
        rescue.cancel()


# -- per-thread resources ---------------------------------------------------------------


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def _rss_growth_of_large_maxevents(module) -> int:
    """KiB of resident memory a thread still holds after one poll(0, 10**7)."""

    def run():
        with module.epoll() as ep:
            before = _rss_kib()
            assert ep.poll(0, 10**7) == []
            return _rss_kib() - before

    t = Waiter(run)
    t.start()
    return t.finish()


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs VmRSS")
@MODULES
def test_large_maxevents_leaves_no_memory_behind(module):
    """rselect used to zero-fill a maxevents-sized per-thread buffer and keep it."""
    assert _rss_growth_of_large_maxevents(module) < 32 * 1024
