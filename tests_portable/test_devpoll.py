"""select.devpoll over the emulated /dev/poll driver of the test build: the
write queue (what is written, when), the Python-facing checks and messages,
and readiness of real pipes (the emulator answers DP_POLL with poll(2))."""

import errno
import os
import sys

import pytest
from rselect._rselect import _testing as t

POLLIN, POLLPRI, POLLOUT, POLLREMOVE = 1, 2, 4, 0x0800


@pytest.fixture
def pipe():
    r, w = os.pipe()
    yield r, w
    os.close(r)
    os.close(w)


def test_registrations_are_queued_and_written_before_poll(pipe):
    r, w = pipe
    dp = t.devpoll()
    dp.register(r)
    dp.register(w, POLLOUT)
    dp.unregister(12345)  # unknown descriptors are fine
    assert t.devpoll_writes(dp) == [], "nothing written before poll()"
    assert dp.poll(0) == [(w, POLLOUT)]
    assert t.devpoll_writes(dp) == [
        [(r, POLLIN | POLLPRI | POLLOUT), (w, POLLOUT), (12345, POLLREMOVE)]
    ]
    os.write(w, b"x")
    assert sorted(dp.poll(0)) == [(r, POLLIN), (w, POLLOUT)]
    dp.modify(w)  # eventmask optional: the default mask
    dp.modify(w, POLLIN)
    assert dp.poll(0) == [(r, POLLIN)]
    assert t.devpoll_writes(dp)[-1] == [(w, POLLREMOVE), (w, 7), (w, POLLREMOVE), (w, POLLIN)]
    assert t.devpoll_registered(dp) == [(r, 7), (w, POLLIN)]
    dp.close()


def test_a_full_queue_is_flushed_at_once(pipe):
    r, _ = pipe
    dp = t.devpoll(batch=3)
    dp.register(r)
    dp.register(r, POLLIN)
    assert t.devpoll_writes(dp) == []
    dp.modify(r, POLLIN)  # the remove entry fills the queue
    assert t.devpoll_writes(dp) == [[(r, 7), (r, POLLIN), (r, POLLREMOVE)]]
    dp.close()


def test_write_errors_surface_lazily_and_drop_the_batch(pipe):
    r, _ = pipe
    dp = t.devpoll()
    dp.register(r)
    t.devpoll_fail_next_write(dp, errno.EBADF)
    with pytest.raises(OSError) as exc:
        dp.poll(0)
    assert exc.value.errno == errno.EBADF and type(exc.value) is OSError
    assert dp.poll(0) == [] and t.devpoll_writes(dp) == [], "the batch was dropped"
    dp.register(r)
    t.devpoll_short_next_write(dp, 4)
    url = (
        "https://github.com/python/cpython/issues/"
        if sys.version_info >= (3, 12)
        else "http://bugs.python.org/"
    )
    with pytest.raises(OSError) as exc:
        dp.poll(0)
    assert str(exc.value) == (
        f"failed to write all pollfds. Please, report at {url}. "
        "Data to report: Size tried: 8, actual size written: 4."
    )
    dp.close()


@pytest.mark.parametrize("ok", [0, 1, 0.5, 1e-9])
def test_short_timeouts_expire(ok):
    dp = t.devpoll()
    assert dp.poll(ok) == []
    dp.close()


@pytest.mark.parametrize("bad", [-2, -(1 << 31), -(1 << 64), 1 << 31, 1 << 63, 1 << 64])
def test_timeout_overflow(bad):
    dp = t.devpoll()
    with pytest.raises(OverflowError):
        dp.poll(bad)
    dp.close()


def test_timeout_messages():
    dp = t.devpoll()
    with pytest.raises(OverflowError, match=r"^timeout is too large$"):
        dp.poll(-2)
    message = (
        "timeout must be an integer or None"
        if sys.version_info < (3, 15)
        else "timeout must be a real number or None, not str"  # 3.15 (gh-67795)
    )
    with pytest.raises(TypeError, match=rf"^{message}$"):
        dp.poll("1")
    dp.close()


def test_masks_and_descriptors_use_the_poll_converters():
    dp = t.devpoll()
    with pytest.raises(ValueError):
        dp.register(0, -1)
    with pytest.raises(OverflowError):
        dp.register(0, 1 << 64)
    with pytest.raises(OverflowError):
        dp.modify(0, 65536)
    with pytest.raises(ValueError, match=r"^file descriptor cannot be a negative integer \(-1\)$"):
        dp.unregister(-1)
    with pytest.raises(TypeError, match="fileno"):
        dp.register(1.5)
    dp.close()


def test_lifecycle():
    dp = t.devpoll()
    fd = dp.fileno()
    assert not os.get_inheritable(fd)
    assert not dp.closed
    dp.close()
    dp.close()
    assert dp.closed
    for call in (
        dp.fileno,
        lambda: dp.poll(0),
        lambda: dp.register(0),
        lambda: dp.modify(0),
        lambda: dp.unregister(0),
    ):
        with pytest.raises(ValueError, match=r"^I/O operation on closed devpoll object$"):
            call()
    assert not hasattr(dp, "__enter__"), "no context manager, as in CPython"
    with pytest.raises(TypeError, match=r"^cannot create 'select.devpoll' instances$"):
        type(dp)()
    assert type(dp).__module__ == "select"
