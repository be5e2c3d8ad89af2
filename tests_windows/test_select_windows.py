"""Stock ``select`` vs rselect on Windows: sockets only, side by side.

Run under a Windows CPython (python.org's, under wine here: see
``scripts/test-windows.sh``) with rselect in its site-packages. Every case
calls the stock module and rselect with the same arguments in the same
process and compares what comes back: the returned objects (identity and
order), or the exception with its type, full ``args``, ``errno``,
``winerror``, ``strerror`` and message. Expectations come from the stock
module at run time, never from a table: wine is not Windows (it answers some
WinSock errors with other codes and has no text for most of them), and both
modules meet the same wine.

The one intended difference: more than 512 sockets in one list, which the
stock module refuses (FD_SETSIZE, gh-72894) and rselect accepts.

Self-contained: pytest and the standard library only.
"""

from __future__ import annotations

import socket
import sys
import time

import pytest

if sys.platform != "win32":
    pytest.skip(
        "Windows only (run it under wine: scripts/test-windows.sh)", allow_module_level=True
    )

import select as stock

from rselect import _rselect as ours

assert stock.__name__ == "select", f"select is {stock.__name__}: run without RSELECT_INSTALL"

MODULES = (("stock", stock), ("rselect", ours))
INT_MAX = 2**31 - 1
# An odd number is never a Windows handle, so never a socket.
NOT_A_SOCKET = 1_000_001


# ---------------------------------------------------------------- helpers


def describe(value, objs=()):
    """A comparable picture of a result: each list as the indexes (in the
    given objects) of what it holds, checked by identity; or the exception."""
    if isinstance(value, BaseException):
        return (
            "raised",
            type(value).__name__,
            value.args,
            getattr(value, "errno", None),
            getattr(value, "winerror", None),
            getattr(value, "strerror", None),
            str(value),
        )
    picture = []
    for lst in value:
        assert type(lst) is list, type(lst)
        idx = []
        for o in lst:
            hits = [i for i, known in enumerate(objs) if known is o]
            assert hits, f"{o!r} was not passed in"
            idx.append(hits[0])
        picture.append(idx)
    return ("returned", picture)


def call(module, *args, objs=()):
    try:
        value = module.select(*args)
    except Exception as e:
        value = e
    return describe(value, objs)


def both(*args, objs=()):
    """(stock's picture, rselect's picture) of select(*args)."""
    return tuple(call(m, *args, objs=objs) for _, m in MODULES)


def same(*args, objs=()):
    s, r = both(*args, objs=objs)
    assert r == s, f"select{args!r}:\n  stock   {s}\n  rselect {r}"
    return s


@pytest.fixture
def pairs():
    made: list[socket.socket] = []

    def make(n=1):
        out = []
        for _ in range(n):
            a, b = socket.socketpair()
            made.extend((a, b))
            out.append((a, b))
        return out

    yield make
    for s in made:
        s.close()


def wait_readable(sock, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not stock.select([sock], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "loopback data did not arrive"


# ---------------------------------------------------------------- interface


def test_public_names_are_the_stock_modules():
    def names(m):
        return sorted(n for n in dir(m) if not n.startswith("_"))

    assert names(ours) == names(stock)
    assert ours.error is stock.error is OSError


# ---------------------------------------------------------------- results


def test_idle_and_writable(pairs):
    ((a, b),) = pairs()
    objs = (a, b)
    assert same([a, b], [], [], 0, objs=objs) == ("returned", [[], [], []])
    assert same([a, b], [a, b], [a, b], 0, objs=objs) == ("returned", [[], [0, 1], []])


def test_readable_in_the_order_given(pairs):
    ps = pairs(4)
    for a, _ in ps:
        a.send(b"x")
    readers = [b for _, b in ps]
    for b in readers:
        wait_readable(b)
    objs = tuple(readers) + tuple(a for a, _ in ps)
    order = [readers[2], objs[4], readers[0], readers[3], objs[5], readers[1]]
    s = same(order, order, [], 0, objs=objs)
    assert s[0] == "returned" and len(s[1][0]) == 4


def test_a_socket_listed_twice(pairs):
    ((a, b),) = pairs()
    a.send(b"x")
    wait_readable(b)
    objs = (a, b)
    s = same([b, a, b], [a, a, b], [b, b], 0, objs=objs)
    assert s == ("returned", [[1, 1], [0, 0, 1], []])


def test_ints_and_objects_mixed(pairs):
    ((a, b),) = pairs()

    class Holder:
        def __init__(self, s):
            self.s = s

        def fileno(self):
            return self.s.fileno()

    h = Holder(b)
    fd = a.fileno()
    objs = (fd, h, a, b)
    same([], [fd, h, a, b], [], 0, objs=objs)
    same((), (fd, h), (), 0.0, objs=objs)


def test_out_of_band_data_is_exceptional(pairs):
    ((a, b),) = pairs()
    a.send(b"!", socket.MSG_OOB)
    deadline = time.monotonic() + 5
    while not stock.select([], [], [b], 0.05)[2]:
        assert time.monotonic() < deadline, "no exceptional condition from MSG_OOB"
    same([], [], [a, b], 0, objs=(a, b))


def test_timeouts_wait_and_are_never_early(pairs):
    ((a, _b),) = pairs()
    for timeout in (0.05, 0.2):
        for _name, m in MODULES:
            t0 = time.monotonic()
            assert m.select([a], [], [], timeout) == ([], [], [])
            took = time.monotonic() - t0
            # monotonic() ticks in ~16 ms steps on some Windows versions.
            assert took >= timeout - 0.016, (m, timeout, took)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("timeout", [0, 0.01, None])
def test_empty_lists(timeout):
    s = same([], [], [], *([] if timeout is None else [timeout]))
    # Stock raises OSError (WSAEINVAL) with CPython's five arguments.
    assert s[1] == "OSError" and len(s[2]) == 5, s


def test_empty_sequences_of_every_kind():
    same((), [], (), 0)
    same([], (), [], 0.0)


def test_a_closed_sockets_number():
    s = socket.socket()
    n = s.fileno()
    s.close()
    for lists in (([n], [], []), ([], [n], []), ([], [], [n])):
        got = same(*lists, 0)
        assert got[0] == "raised", got


@pytest.mark.parametrize("fd", [NOT_A_SOCKET, INT_MAX, 0, 1, 2, 3])
def test_non_socket_ints(fd, pairs):
    ((a, _b),) = pairs()
    same([fd], [], [], 0)
    same([], [a, fd], [], 0, objs=(a,))
    same([], [], [fd], 0)


@pytest.mark.parametrize(
    "fd", [-1, -2, -(2**31), -(2**31) - 1, 2**31, 2**32, 2**63, 2**64, -(2**64)]
)
def test_ints_outside_the_socket_range(fd, pairs):
    ((a, _b),) = pairs()
    same([fd], [], [], 0)
    same([a], [a, fd], [], 0, objs=(a,))


def test_a_file_descriptor_of_the_c_runtime(tmp_path):
    with open(tmp_path / "f", "w") as f:
        same([f.fileno()], [], [], 0)
        same([], [], [f], 0, objs=(f,))


@pytest.mark.parametrize(
    "timeout",
    [-1, -0.5, -1e-9, float("nan"), float("inf"), -float("inf"), 1e100, 2**63, 2**64,
     -(2**64), "1", b"1", [], 1j],
)  # fmt: skip
def test_bad_timeouts(timeout, pairs):
    ((a, _b),) = pairs()
    got = same([], [a], [], timeout, objs=(a,))
    assert got[0] == "raised", got


@pytest.mark.parametrize("timeout", [0, 0.0, 1e-9, 1e-7, False, True, 10**9, 1e9, None])
def test_accepted_timeouts_with_a_ready_socket(timeout, pairs):
    ((a, _b),) = pairs()
    same([], [a], [], timeout, objs=(a,))


def test_error_precedence_bad_socket_and_bad_timeout(pairs):
    ((a, _b),) = pairs()
    same([NOT_A_SOCKET], [], [], -1)
    same([-1], [], [], "x")
    same(["x"], [a], [], -1, objs=(a,))
    same([], [], [], -1)
    same([], [], [], "x")


@pytest.mark.parametrize(
    "args",
    [
        (None, [], [], 0),
        (1, [], [], 0),
        ([], "ab", [], 0),
        (iter([]), [], [], 0),
        ([None], [], [], 0),
        ([1.5], [], [], 0),
        (["3"], [], [], 0),
        ([b"3"], [], [], 0),
    ],
)
def test_bad_arguments(args):
    got = same(*args)
    assert got[0] == "raised", got


@pytest.mark.parametrize(
    "args, kwargs",
    [((), {}), (([],), {}), (([], []), {}), (([], [], [], 0, 0), {}),
     (([], [], []), {"timeout": 0}), (([], []), {"xlist": []})],
)  # fmt: skip
def test_wrong_arity_and_keywords(args, kwargs):
    """TypeError from both; the wording is argument parsing's own (PyO3's,
    not Argument Clinic's), the one accepted difference of docs/bad-input.md
    ("type only (arity wording)")."""
    for _, m in MODULES:
        with pytest.raises(TypeError):
            m.select(*args, **kwargs)


# ---------------------------------------------------------------- fileno()


class FilenoReturns:
    def __init__(self, value):
        self.value = value

    def fileno(self):
        return self.value


class FilenoRaises:
    def fileno(self):
        raise RuntimeError("fileno failed")


@pytest.mark.parametrize(
    "value", [NOT_A_SOCKET, -1, 2**31, 2**64, "3", 1.5, None, True, False]
)  # fmt: skip
def test_objects_with_fileno(value, pairs):
    ((a, _b),) = pairs()
    obj = FilenoReturns(value)
    same([obj], [], [], 0, objs=(obj,))
    same([], [a, obj], [], 0, objs=(a, obj))


def test_fileno_that_raises_and_objects_without_one(pairs):
    ((a, _b),) = pairs()
    same([FilenoRaises()], [], [], 0)
    same([], [a], [object()], 0, objs=(a,))

    class NotCallable:
        fileno = 3

    same([NotCallable()], [], [], 0)


def test_closed_socket_object():
    s = socket.socket()
    s.close()
    got = same([s], [], [], 0, objs=(s,))
    assert got[0] == "raised", got


def test_lists_mutated_during_fileno(pairs):
    ((a, b),) = pairs()

    def run(module, kind):
        lst: list = []

        class Mutator:
            calls = 0

            def fileno(self):
                Mutator.calls += 1
                if Mutator.calls == 1:
                    if kind == "clear":
                        lst.clear()
                    elif kind == "append":
                        lst.append(b)
                    elif kind == "replace":
                        lst[:] = [b, b, b]
                    elif kind == "delete-next":
                        del lst[1:]
                return a.fileno()

        m = Mutator()
        lst[:] = [m, a, m]
        try:
            value = module.select([], lst, [], 0)
        except Exception as e:
            value = e
        known = (m, a, b)
        after = [next(i for i, o in enumerate(known) if o is x) for x in lst]
        return describe(value, known), after, Mutator.calls

    for kind in ("clear", "append", "replace", "delete-next"):
        s, r = (run(m, kind) for _, m in MODULES)
        assert r == s, f"{kind}:\n  stock   {s}\n  rselect {r}"


# ---------------------------------------------------------------- beyond 512


@pytest.mark.parametrize("n", [511, 512])
def test_up_to_512_sockets_both_agree(n, pairs):
    socks = [s for pair in pairs((n + 1) // 2) for s in pair][:n]
    got = same([], socks, [], 0, objs=tuple(socks))
    assert got == ("returned", [[], list(range(n)), []])


def test_more_than_512_sockets_the_intended_difference(pairs):
    ps = pairs(300)
    socks = [s for pair in ps for s in pair]  # 600
    objs = tuple(socks)
    for kind in range(3):
        lists: list[list] = [[], [], []]
        lists[kind] = socks
        s, _ = both(*lists, 0, objs=objs)
        # What the stock module says (FD_SETSIZE is 512 in CPython's Windows build).
        assert s[:3] == ("raised", "ValueError", ("too many file descriptors in select()",)), s
        # Stock's limit is per list: 512 in each of the three is fine there.
    assert both(socks[:512], socks[:512], socks[:512], 0, objs=objs)[0][0] == "returned"

    # rselect: all 600 writable, in order; the readers with data readable.
    assert call(ours, [], socks, [], 0, objs=objs) == ("returned", [[], list(range(600)), []])
    for a, _ in ps[100:]:
        a.send(b"x")
    readers = [b for _, b in ps]
    deadline = time.monotonic() + 5
    while True:
        r, w, x = ours.select(socks, [], socks, 0.1)
        if len(r) == 200 or time.monotonic() > deadline:
            break
    assert r == readers[100:] and w == [] and x == []
    r, w, x = ours.select(socks, socks, socks, 0)
    assert r == readers[100:] and w == socks and x == []
