"""select() behaviour that needs real waiting, signals, threads or big descriptors."""

from __future__ import annotations

import os
import resource
import signal
import socket
import time

import pytest
import rselect

from tests.support.waiter import progress_during


def test_readiness_on_real_pipe_and_socketpair(pipe, socketpair):
    r, w = pipe
    a, b = socketpair
    assert rselect.select([r, a], [], [], 0) == ([], [], [])
    os.write(w, b"x")
    b.send(b"y")
    assert rselect.select([r, a], [w, b], [], 0) == ([r, a], [w, b], [])
    os.read(r, 1)
    assert rselect.select([r, a], [], [], 0) == ([a], [], [])


def test_timeout_is_never_early():
    for timeout in (0.05, 0.001, 1e-7):
        t0 = time.monotonic()
        assert rselect.select([], [], [], timeout) == ([], [], [])
        assert time.monotonic() - t0 >= timeout


def test_tiny_positive_timeout_still_waits_a_microsecond(pipe):
    r, _ = pipe
    # 1e-10 s rounds UP to 1 ns, then to 1 us: not a zero-timeout poll.
    t0 = time.perf_counter_ns()
    rselect.select([r], [], [], 1e-10)
    assert time.perf_counter_ns() - t0 >= 1000


def test_gil_is_released_while_waiting():
    assert progress_during(lambda: rselect.select([], [], [], 0.2)) > 1000


@pytest.fixture
def itimer():
    """Arms SIGALRM every `interval` seconds with the given handler."""
    old = signal.getsignal(signal.SIGALRM)

    def arm(handler, interval):
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, interval, interval)

    yield arm
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.serial
def test_signal_handler_that_returns_keeps_the_deadline(itimer):
    hits = []
    itimer(lambda *a: hits.append(1), 0.02)
    t0 = time.monotonic()
    assert rselect.select([], [], [], 0.3) == ([], [], [])
    elapsed = time.monotonic() - t0
    assert len(hits) >= 5
    assert elapsed >= 0.3
    assert elapsed < 2.0  # loose: the retries did not restart the full timeout


@pytest.mark.serial
def test_signal_handler_exception_propagates_at_once(itimer, pipe):
    r, _ = pipe

    def handler(*a):
        raise ZeroDivisionError

    itimer(handler, 0.05)
    t0 = time.monotonic()
    with pytest.raises(ZeroDivisionError):
        rselect.select([r], [], [], 10)
    assert time.monotonic() - t0 < 5
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    # Nothing is left broken: the next call works.
    assert rselect.select([r], [], [], 0) == ([], [], [])


@pytest.mark.serial
def test_infinite_wait_is_interrupted_only_by_a_raising_handler(itimer, pipe):
    r, _ = pipe
    calls = []

    def handler(*a):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt

    itimer(handler, 0.02)
    with pytest.raises(KeyboardInterrupt):
        rselect.select([r], [], [])
    assert len(calls) == 3


# -- descriptors above FD_SETSIZE (Linux): rselect lifts the stock limit -------------


@pytest.fixture
def high_fds(pipe):
    """Dup a pipe's ends to high descriptor numbers the rlimit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 60_010
    try:  # raising the hard limit needs privileges; fall back to the hard limit
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), max(hard, want)))
    except (OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, want)), hard))
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    r, w = pipe
    opened = []

    def dup_to(fd, target):
        if target >= limit:
            return None
        os.dup2(fd, target)
        opened.append(target)
        return target

    yield r, w, dup_to, limit
    for fd in opened:
        os.close(fd)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    except (OSError, ValueError):
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (soft, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        )


@pytest.mark.serial
@pytest.mark.skipif(not os.uname().sysname == "Linux", reason="Linux lifts FD_SETSIZE")
@pytest.mark.parametrize("target", [1024, 5000, 60_000])
def test_descriptors_above_fd_setsize(high_fds, target):
    import select as stock

    r, w, dup_to, limit = high_fds
    hr = dup_to(r, target)
    hw = dup_to(w, target + 1)
    if hr is None or hw is None:
        pytest.skip(f"RLIMIT_NOFILE hard limit {limit} does not reach {target + 1}")
    with pytest.raises(ValueError, match=r"filedescriptor out of range in select\(\)"):
        stock.select([hr], [], [], 0)
    assert rselect.select([hr], [hw], [hr, hw], 0) == ([], [hw], [])
    idle_r, idle_w = os.pipe()
    try:
        os.write(hw, b"x")
        assert rselect.select([idle_r, hr], [hw], [], 0)[0] == [hr]
    finally:
        os.close(idle_r)
        os.close(idle_w)
    assert rselect.select([hr], [], [], None) == ([hr], [], [])
    # A socket object far up works too.
    a, b = socket.socketpair()
    try:
        if dup_to(a.fileno(), target + 2) is not None:
            s = socket.socket(fileno=os.dup(target + 2))
            try:
                assert rselect.select([], [s], [], 0) == ([], [s], [])
            finally:
                s.close()
    finally:
        a.close()
        b.close()


@pytest.mark.skipif(not os.uname().sysname == "Linux", reason="Linux lifts FD_SETSIZE")
def test_no_too_many_descriptors_limit(pipe):
    _, w = pipe
    assert rselect.select([], [w] * 5000, [], 0) == ([], [w] * 5000, [])


@pytest.mark.skipif(not os.uname().sysname == "Linux", reason="Linux lifts FD_SETSIZE")
def test_descriptor_above_the_kernel_ceiling_is_out_of_range():
    with open("/proc/sys/fs/nr_open") as f:
        nr_open = int(f.read())
    with pytest.raises(ValueError, match=r"^filedescriptor out of range in select\(\)$"):
        rselect.select([nr_open], [], [], 0)
    with pytest.raises(ValueError, match="out of range"):
        rselect.select([], [], [2**31 - 1], 0)


def test_conditions_select_ignores_do_not_end_the_wait():
    # On Linux rselect asks poll(2) first, which reports a hang-up even for
    # descriptors only watched for writing or exceptional conditions, where
    # select(2) keeps waiting. The wait must last the whole timeout, as stock.
    import select as stock

    r, w = os.pipe()
    os.close(w)  # the read end is hung up: readable, not writable
    a, b = socket.socketpair()
    b.close()  # hung up and readable; no out-of-band data
    try:
        for args in (([], [r], []), ([], [], [r]), ([], [], [a])):
            for module in (stock, rselect):
                t0 = time.monotonic()
                assert module.select(*args, 0.05) == ([], [], [])
                assert time.monotonic() - t0 >= 0.05, (module.__name__, args)
        # ...and the same descriptors are reported where select counts them.
        assert rselect.select([r, a], [a], [r, a], 0) == stock.select([r, a], [a], [r, a], 0)
        assert rselect.select([r, a], [a], [r, a], 0) == ([r, a], [a], [])
    finally:
        os.close(r)
        a.close()


def test_closed_descriptor_raises_ebadf_like_stock(pipe):
    import errno
    import select as stock

    r, w = pipe
    fd = os.dup(r)
    os.close(fd)
    for module in (stock, rselect):
        with pytest.raises(OSError) as info:
            module.select([w], [w], [fd], 0)
        assert info.value.errno == errno.EBADF
