"""Leaks: every API many times over, and memory stays flat.

docs/reliability.md, "5. Leaks", has the figures and the long-run command.

Each *API* below is one iteration of calls (the success paths with their
results, and the error paths: bad and closed descriptors, bad timeouts,
``fileno()`` raising or returning garbage, ``__index__`` objects, closed
objects, double registrations, ...). It runs ``N // 10`` times as a warm-up
(caches, free lists and the shared descriptor ints fill up; its growth is in
the figures), then ``N`` times measured (CI 10^4, long mode 10^5).
Between the two ends of the measured batch, after ``gc.collect()``:

- ``sys.getallocatedblocks()`` (Python objects and ``PyMem``/``PyObject``
  allocations) may grow by ``SLACK_BLOCKS`` at most;
- the bytes in use in the C heap (glibc ``mallinfo2()``: ``uordblks`` +
  ``hblkhd``; what Rust's global allocator takes, which the block count does
  not see) may grow by ``SLACK_MALLOC`` at most;
- the reference counts of the objects the API was given (descriptor objects,
  poll/epoll/selector objects, data, the raising objects, ...) may not change
  at all (a reference leaked per call would add ``N``);
- ``sys.gettotalrefcount()`` (debug builds only) may grow by ``SLACK_BLOCKS``.

The slack is a constant, never a per-call allowance: at N = 10^4 a leak of one
block every 156 calls, or of 7 bytes a call, is over it. A batch over the
slack is measured once more, and only two in a row fail the test, so one late
cache fill does not. RSS (``/proc/self/statm``) across the whole measured
phase is bounded too. The same loops run on the stock module, the control, in
the same test and with the same bounds (CI: ``N // 5`` calls a loop, long mode
``N``); ``test_the_detector_sees_deliberate_leaks`` shows each measure
catching a leak made on purpose.

``test_suite_under_dev_mode`` runs part of the suite (long mode: all of it but
the reliability files) under ``python -X dev -W error::ResourceWarning``.

Figures: ``record("leaks", ...)`` (results/reliability/leaks.jsonl).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import math
import os
import re
import select as stock
import selectors as stock_selectors
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import rselect
import rselect.selectors as rselect_selectors

from tests.support.figures import record
from tests.support.hostile import Fileno, FilenoRaises, Index
from tests.support.modes import LONG

pytestmark = pytest.mark.skipif(
    not hasattr(stock, "epoll") or not os.path.exists("/proc/self/statm"),
    reason="Linux: epoll, /proc/self/statm",
)

N = 100_000 if LONG else 10_000
N_CONTROL = N if LONG else N // 5  # the stock control (CI: a smaller batch, same bounds)
N_INSTALL = 1_000 if LONG else 40  # an install() + uninstall() cycle costs ~15 ms
SLACK_BLOCKS = 64
SLACK_MALLOC = 64 * 1024
SLACK_RSS = (16 if LONG else 8) * 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
# 3.14 (gh-132987): poll's event masks are converted by the unsigned
# converters, which take __index__ objects.
UNSIGNED_INDEX = sys.version_info >= (3, 14)
TESTS = Path(__file__).resolve().parents[1]


# -- measures --------------------------------------------------------------------------


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mallinfo2() -> Callable[[], _MallInfo2] | None:
    try:
        fn = ctypes.CDLL(None).mallinfo2  # glibc 2.33+
    except (AttributeError, OSError):
        return None
    fn.restype = _MallInfo2
    fn.argtypes = []
    return fn


_MALLINFO2 = _mallinfo2()


def malloc_in_use() -> int | None:
    """Bytes allocated from the C heap and not freed (all arenas, mmapped chunks too)."""
    if _MALLINFO2 is None:
        return None
    info = _MALLINFO2()
    return info.uordblks + info.hblkhd


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def total_refcount() -> int | None:
    fn = getattr(sys, "gettotalrefcount", None)
    return fn() if fn is not None else None


def snapshot(watch: list[object]) -> dict:
    gc.collect()
    return {
        "blocks": sys.getallocatedblocks(),
        "malloc": malloc_in_use(),
        "rss": rss(),
        "refs": [sys.getrefcount(obj) for obj in watch],
        "totalrefs": total_refcount(),
    }


def growth(fn: Callable[[], object], n: int, watch: list[object]) -> dict:
    """How much each measure grew over n calls of fn."""
    before = snapshot(watch)
    for _ in range(n):
        fn()
    after = snapshot(watch)
    out = {}
    for key in ("blocks", "malloc", "rss", "totalrefs"):
        out[key] = None if before[key] is None else after[key] - before[key]
    out["refs"] = [a - b for a, b in zip(after["refs"], before["refs"], strict=True)]
    return out


def excess(g: dict) -> list[str]:
    """The measures of one batch's growth that are over their slack."""
    over = []
    if g["blocks"] > SLACK_BLOCKS:
        over.append(f"{g['blocks']} allocated blocks")
    if g["malloc"] is not None and g["malloc"] > SLACK_MALLOC:
        over.append(f"{g['malloc']} bytes of C heap")
    if g["totalrefs"] is not None and g["totalrefs"] > SLACK_BLOCKS:
        over.append(f"{g['totalrefs']} total references")
    if any(g["refs"]):
        over.append(f"reference counts of the arguments changed by {g['refs']}")
    return over


def hunt(fn: Callable[[], object], n: int, watch: list[object], warm: int | None = None) -> dict:
    """A warm-up batch (``warm`` calls, n/10 by default), then n measured calls.

    The measured batch is repeated once if it is over the slack; ``leak`` is
    the excess of both measured batches, or [] when either was within the
    slack. The warm-up's growth (caches filling) is in the figures too.
    """
    warm = max(n // 10, 100) if warm is None else warm
    warmup = growth(fn, warm, watch) if warm else None
    t0 = time.perf_counter()
    first = growth(fn, n, watch)
    seconds = time.perf_counter() - t0
    figures = {"n": n, "us_per_call": round(seconds / n * 1e6, 2), **first}
    if warmup is not None:
        figures["warmup"] = {"n": warm, "blocks": warmup["blocks"], "malloc": warmup["malloc"]}
    over = excess(first)
    if over:
        second = growth(fn, n, watch)
        figures["again"] = second
        over2 = excess(second)
        over = [*over, "then", *over2] if over2 else []
    figures["leak"] = over
    return figures


# -- the objects the APIs are called with ----------------------------------------------


class Boom(Exception):
    pass


def fails(exc: type[BaseException], fn: Callable, *args: object) -> None:
    """Call fn(*args), which must raise exc (so that the error path really ran)."""
    try:
        fn(*args)
    except exc:
        return
    raise AssertionError(f"{fn!r}{args!r} did not raise {exc.__name__}")


def _closed_number() -> int:
    """A descriptor number below FD_SETSIZE, not open, far above the ones in use.

    The descriptor table is grown past it first (dup2 there, then close):
    select(2) ignores numbers beyond the table instead of failing with EBADF.
    """
    open_now = {int(name) for name in os.listdir("/proc/self/fd")}
    fd = next(fd for fd in range(1000, 100, -1) if fd not in open_now)
    os.dup2(0 if 0 in open_now else min(open_now), fd)
    os.close(fd)
    return fd


@pytest.fixture
def res():
    """Pipes and socketpairs: `ready` ends have data, `idle` ones none."""
    r_ready, w_ready = os.pipe()
    os.write(w_ready, b"x")
    r_idle, w_idle = os.pipe()
    a, b = socket.socketpair()
    b.send(b"y")  # a is readable; both writable
    c, d = socket.socketpair()  # idle
    ns = type("Res", (), {})()
    ns.__dict__.update(
        r_ready=r_ready,
        w_ready=w_ready,
        r_idle=r_idle,
        w_idle=w_idle,
        a=a,
        b=b,
        c=c,
        d=d,
        fl=Fileno(r_ready),
        closed=_closed_number(),
        raising=FilenoRaises(Boom, "fileno failed"),
        garbage=Fileno("three"),
        zero=Index(0),
    )
    yield ns
    for fd in (r_ready, w_ready, r_idle, w_idle):
        os.close(fd)
    for s in (a, b, c, d):
        s.close()


def apis(module, selectors, r) -> dict[str, tuple[Callable[[], object], list[object]]]:
    """name -> (one iteration, the objects whose reference counts must not move)."""
    a, b, c, fl = r.a, r.b, r.c, r.fl
    nan = math.nan
    out: dict[str, tuple[Callable[[], object], list[object]]] = {}
    opened: list = []  # closed by out["_close"]

    # select()
    ints_r, ints_w = [r.r_ready, r.r_idle, r.w_idle], [r.w_ready, r.w_idle]

    def select_ints():
        got = module.select(ints_r, ints_w, [], 0)
        assert got[0] == [r.r_ready]

    out["select-ints"] = (select_ints, [ints_r, ints_w])
    objs = [a, b, c, fl]

    def select_objects():
        got = module.select(objs, objs, objs, 1.0)  # ready: no wait
        assert got[0] == [a, fl]

    out["select-objects-timeout"] = (select_objects, [a, b, c, fl, objs])
    one = [r.r_idle]
    raising, garbage, zero = r.raising, r.garbage, r.zero
    big = [r.w_ready] * 500

    def select_errors():
        fails(ValueError, module.select, [-1], [], [], 0)
        fails(OSError, module.select, [r.closed], [], [], 0)
        fails(TypeError, module.select, one, [], [], "1")
        fails(ValueError, module.select, one, [], [], -1)
        fails(ValueError, module.select, one, [], [], nan)
        fails(OverflowError, module.select, one, [], [], 1e300)
        fails(Boom, module.select, [a, raising], [], [], 0)
        fails(TypeError, module.select, [], [garbage], [], 0)
        fails(TypeError, module.select, [], [], [zero], 0)
        fails(TypeError, module.select, 5, [], [], 0)
        fails(OverflowError, module.select, [2**70], [], [], 0)
        module.select([], big, [], zero)  # __index__ timeout; a long list

    out["select-errors"] = (select_errors, [a, one, raising, garbage, zero, big])

    # poll
    p = module.poll()
    pin, pout = module.POLLIN, module.POLLOUT
    flw = Fileno(r.w_idle)

    def poll_cycle():
        p.register(a, pin | pout)
        p.register(r.r_ready, pin)
        p.register(flw)
        p.register(r.closed, pin)  # POLLNVAL in the result
        p.modify(a, pin)
        assert len(p.poll(0)) == 4
        p.poll(zero)
        p.poll(1000)  # ready: no wait
        p.unregister(a)
        p.unregister(flw)
        p.unregister(r.r_ready)
        p.unregister(r.closed)

    out["poll-register-modify-poll-unregister"] = (poll_cycle, [p, a, flw, zero])

    def poll_new():
        q = module.poll()
        q.register(r.r_ready)
        q.register(a, pin)
        if UNSIGNED_INDEX:  # poll's masks take __index__; its errors from the converter
            q.register(a, Index(pin))
            fails(ValueError, q.register, a, Index(-1))
            fails(OverflowError, q.register, a, Index(1 << 20))
        else:
            fails(TypeError, q.register, a, Index(pin))  # no __index__ for poll's masks
        q.poll(0)  # and dropped with its registrations

    out["poll-new-and-dropped"] = (poll_new, [a])
    p2 = module.poll()
    p2.register(c, pin)

    def poll_errors():
        fails(ValueError, p2.register, -1)
        fails(Boom, p2.register, raising)
        fails(TypeError, p2.register, garbage)
        fails(TypeError, p2.register, c, "x")
        fails(OverflowError, p2.register, c, 1 << 20)
        fails(FileNotFoundError, p2.modify, r.r_idle, pin)
        fails(KeyError, p2.unregister, r.r_idle)
        fails(Boom, p2.unregister, raising)
        fails(TypeError, p2.poll, "x")
        fails(OverflowError, p2.poll, 2**64)
        fails(ValueError, p2.poll, nan)

    out["poll-errors"] = (poll_errors, [p2, c, raising, garbage])

    # epoll
    ep = module.epoll()
    ein, eout = module.EPOLLIN, module.EPOLLOUT

    def epoll_cycle():
        ep.register(a, Index(ein | eout))
        ep.register(r.r_ready)
        ep.register(fl.value + 1, eout)  # the write end of the ready pipe
        ep.modify(a, ein | module.EPOLLET)
        assert len(ep.poll(0)) == 3
        ep.poll(zero, Index(8))
        ep.poll(1.0, 1)  # ready: no wait
        ep.poll(0, 2000)  # more than the per-thread buffer
        ep.unregister(a)
        ep.unregister(r.r_ready)
        ep.unregister(fl.value + 1)

    assert fl.value + 1 == r.w_ready
    out["epoll-register-modify-poll-unregister"] = (epoll_cycle, [ep, a, zero])

    def epoll_lifecycle():
        e = module.epoll()
        e.register(r.r_ready)
        e.poll(0)
        e.close()
        e.close()
        with module.epoll(sizehint=8) as e2:
            e3 = module.epoll.fromfd(os.dup(e2.fileno()))
            assert not e3.closed
            e3.close()
        module.epoll(flags=module.EPOLL_CLOEXEC).close()

    out["epoll-new-fromfd-close-with"] = (epoll_lifecycle, [])
    ep2 = module.epoll()
    ep2.register(c, ein)
    closed_ep = module.epoll()
    closed_ep.close()

    def epoll_errors():
        fails(OSError, ep2.register, r.closed)
        fails(FileExistsError, ep2.register, c)
        fails(FileNotFoundError, ep2.modify, r.r_idle, ein)
        fails(FileNotFoundError, ep2.unregister, r.r_idle)
        fails(Boom, ep2.register, raising)
        fails(TypeError, ep2.register, garbage)
        fails(TypeError, ep2.register, c, "x")
        fails(TypeError, ep2.poll, "x")
        fails(ValueError, ep2.poll, 0, 0)
        fails(OverflowError, ep2.poll, 1e300)
        fails(ValueError, closed_ep.poll, 0)
        fails(ValueError, closed_ep.register, c)
        fails(ValueError, closed_ep.fileno)
        fails(ValueError, module.epoll, -2)
        fails(TypeError, module.epoll.fromfd, "x")
        with contextlib.suppress(ValueError):  # with on a closed object
            with closed_ep:
                pass

    out["epoll-errors"] = (epoll_errors, [ep2, closed_ep, c, raising, garbage])

    # selectors
    R, W = selectors.EVENT_READ, selectors.EVENT_WRITE
    for cls_name in ("EpollSelector", "PollSelector", "SelectSelector"):
        cls = getattr(selectors, cls_name)
        sel = cls()
        opened.append(sel)
        data1, data2 = object(), object()

        def cycle(sel=sel, data1=data1, data2=data2):
            key = sel.register(a, R | W, data1)
            sel.register(r.r_ready, R)
            sel.register(fl.value + 1, W, data2)
            sel.modify(a, R, data1)
            assert sel.modify(a, R, data2).data is data2
            assert len(sel.select(0)) == 3
            sel.select(1.0)  # ready: no wait
            assert sel.get_key(a) is not key
            m = sel.get_map()
            assert len(m) == 3 and a in m and m[a].data is data2
            list(m)
            m.get(r.r_ready)
            sel.unregister(a)
            sel.unregister(r.r_ready)
            sel.unregister(fl.value + 1)

        out[f"selectors-{cls_name}"] = (cycle, [sel, a, data1, data2])

        def lifecycle(cls=cls):
            with cls() as s:
                s.register(r.r_ready, R)
                s.register(c, R | W)
                s.select(0)  # and closed with its registrations

        out[f"selectors-{cls_name}-new-close"] = (lifecycle, [c])
    sel2 = selectors.EpollSelector()
    sel2.register(c, R)
    closed_sel = selectors.EpollSelector()
    closed_sel.close()

    def selector_errors():
        fails(KeyError, sel2.register, c, R)
        fails(KeyError, sel2.unregister, r.r_idle)
        fails(KeyError, sel2.get_key, r.r_idle)
        fails(KeyError, sel2.modify, r.r_idle, R)
        fails(KeyError, sel2.get_map().__getitem__, r.r_idle)
        fails(ValueError, sel2.register, r.r_idle, 0)
        fails(ValueError, sel2.register, r.r_idle, 4)
        fails(ValueError, sel2.register, -1, R)
        fails(ValueError, sel2.register, "x", R)
        fails(Boom, sel2.register, raising, R)
        fails(ValueError, sel2.register, garbage, R)
        fails(TypeError, sel2.select, "x")
        fails(RuntimeError, closed_sel.get_key, c)
        fails(KeyError, sel2.register, Fileno(c.fileno()), R)  # same descriptor

    out["selectors-errors"] = (selector_errors, [sel2, closed_sel, c, raising, garbage])

    def close_all():
        for obj in [ep, ep2, sel2, *opened]:
            obj.close()

    out["_close"] = (close_all, [])
    return out


# -- the tests -------------------------------------------------------------------------


def _hunt_all(module, selectors, res, n: int) -> tuple[dict[str, dict], int]:
    table = apis(module, selectors, res)
    close_all = table.pop("_close")[0]
    try:
        for fn, _watch in table.values():  # every API once before measuring any
            fn()
        rss_before = rss()
        figures = {name: hunt(fn, n, watch) for name, (fn, watch) in table.items()}
        rss_delta = rss() - rss_before
    finally:
        close_all()
    return figures, rss_delta


def _summary(figures: dict[str, dict]) -> dict[str, dict]:
    return {
        name: {k: f[k] for k in ("blocks", "malloc", "rss", "us_per_call", "warmup") if k in f}
        for name, f in figures.items()
    }


def test_no_api_leaks_rselect_and_stock_control(res):
    t0 = time.monotonic()
    rsel, rsel_rss = _hunt_all(rselect, rselect_selectors, res, N)
    control, control_rss = _hunt_all(stock, stock_selectors, res, N_CONTROL)
    record(
        "leaks",
        case="apis",
        iterations_per_api=N,
        control_iterations_per_api=N_CONTROL,
        apis=len(rsel),
        slack_blocks=SLACK_BLOCKS,
        slack_malloc_bytes=SLACK_MALLOC,
        malloc_measured=malloc_in_use() is not None,
        totalrefcount_measured=total_refcount() is not None,
        rselect=_summary(rsel),
        rselect_rss_delta=rsel_rss,
        stock=_summary(control),
        stock_rss_delta=control_rss,
        max_blocks_delta=max(f["blocks"] for f in rsel.values()),
        max_malloc_delta=max((f["malloc"] or 0) for f in rsel.values()),
        elapsed_s=round(time.monotonic() - t0, 2),
    )
    leaks = {name: f["leak"] for name, f in rsel.items() if f["leak"]}
    control_leaks = {name: f["leak"] for name, f in control.items() if f["leak"]}
    assert not control_leaks, f"the stock module (control) seems to leak: {control_leaks}"
    assert not leaks, f"rselect leaks over {N} calls: {leaks}"
    assert rsel_rss < SLACK_RSS, f"RSS grew by {rsel_rss} bytes over the measured phase"
    assert control_rss < SLACK_RSS


_INSTALL_SCRIPT = """
import asyncio, json, selectors, subprocess, sys
sys.path.insert(0, {root!r})
import rselect
from tests.reliability.test_reliability_leaks import hunt, rss

def cycle():
    rselect.install()
    assert rselect.installed()
    rselect.uninstall()
    assert not rselect.installed()

rss0 = rss()
figures = hunt(cycle, {n}, [rselect, asyncio, selectors, subprocess], warm={n} // 2)
figures["rss_total"] = rss() - rss0
print(json.dumps(figures))
"""


def test_install_uninstall_does_not_leak():
    """install()/uninstall() cycles in a fresh interpreter (they rebind process-wide state)."""
    proc = subprocess.run(
        [sys.executable, "-c", _INSTALL_SCRIPT.format(root=str(TESTS.parent), n=N_INSTALL)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=TESTS,
    )
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout.splitlines()[-1])
    record("leaks", case="install-uninstall", **figures)
    assert not figures["leak"], figures


# -- the suite under python -X dev ------------------------------------------------------

# CI: a few seconds of the suite, descriptors and objects of every kind.
DEV_MODE_CI_FILES = [
    "api/test_select_behaviour.py",
    "differential/test_select_differential.py",
    "api/test_result_ints.py",
]


def _dev_mode_files() -> list[str]:
    if not LONG:
        return DEV_MODE_CI_FILES
    return sorted(
        p.relative_to(TESTS).as_posix()
        for p in TESTS.rglob("test_*.py")
        if not p.name.startswith("test_reliability_")
    )


DEV_MODE = ["-X", "dev", "-W", "error::ResourceWarning"]


def _dev_mode_run(
    files: list[str], cwd: Path, timeout: float, *options: str
) -> tuple[int, str, str]:
    """(returncode, output, pytest's last line) of pytest over files under -X dev."""
    # Hypothesis budgets: the quick one in CI, the suite's CI one in long mode
    # (dev mode makes every call slower; "slow" would take hours).
    env = {**os.environ, "PYTHONDEVMODE": "1", "HYPOTHESIS_PROFILE": "ci" if LONG else "dev"}
    env.pop("RSELECT_PRINT_FIGURES", None)
    proc = subprocess.run(
        [
            sys.executable,
            *DEV_MODE,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *options,
            *files,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )
    lines = proc.stdout.strip().splitlines()
    return proc.returncode, proc.stdout + proc.stderr, lines[-1] if lines else ""


def _dev_mode_complaints(returncode: int, output: str, summary: str) -> list[str]:
    complaints = [f"exit status {returncode}"] if returncode else []
    complaints += [word for word in ("ResourceWarning", "unclosed", "Unraisable") if word in output]
    if not re.search(r"\b\d+ passed\b", summary) or re.search(r"\b\d+ (failed|errors?)\b", summary):
        complaints.append(f"summary {summary!r}")
    return complaints


def test_suite_under_dev_mode():
    """Part of the suite (long mode: all but the reliability files) under -X dev.

    Dev mode turns on the debug hooks of the memory allocators, faulthandler
    and every warning; ResourceWarning is an error, and nothing may print
    about an unclosed object.
    """
    files = _dev_mode_files()
    t0 = time.monotonic()
    returncode, output, summary = _dev_mode_run(files, TESTS, 3000 if LONG else 300)
    record(
        "leaks",
        case="dev-mode",
        files=files,
        returncode=returncode,
        summary=summary,
        elapsed_s=round(time.monotonic() - t0, 2),
    )
    complaints = _dev_mode_complaints(returncode, output, summary)
    assert not complaints, f"{complaints}\n{output[-4000:]}"


def test_dev_mode_run_sees_an_unclosed_socket(tmp_path):
    """The same run and checks over a test that drops a socket without closing it."""
    (tmp_path / "test_drops_a_socket.py").write_text(
        "import gc, socket\n\n\ndef test_drop():\n    s = socket.socket()\n"
        "    del s\n    gc.collect()\n"
    )
    run = _dev_mode_run(["test_drops_a_socket.py"], tmp_path, 60, "-p", "no:hypothesispytest")
    complaints = _dev_mode_complaints(*run)
    assert "ResourceWarning" in complaints and "unclosed" in complaints, complaints


# -- the detector itself ---------------------------------------------------------------


def test_the_detector_sees_deliberate_leaks():
    """Each measure catches a leak made on purpose, and stays quiet without one."""
    n = 2_000
    kept: list[object] = []
    watched = object()
    incref, decref = ctypes.pythonapi.Py_IncRef, ctypes.pythonapi.Py_DecRef
    incref.argtypes = decref.argtypes = [ctypes.py_object]
    increfs = 0

    def leak_reference():
        nonlocal increfs
        incref(watched)
        increfs += 1

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = (ctypes.c_void_p * (3 * n))()  # C memory: keeps no Python object
    mallocs = 0

    def leak_c_heap():
        nonlocal mallocs
        blocks[mallocs] = libc.malloc(48)
        mallocs += 1

    try:
        results = {
            "none": hunt(lambda: [object() for _ in range(3)], n, [watched]),
            "objects": hunt(lambda: kept.append(object()), n, [watched]),
            "references": hunt(leak_reference, n, [watched]),
        }
        if _MALLINFO2 is not None:
            results["c-heap"] = hunt(leak_c_heap, n, [watched])
    finally:
        kept.clear()
        for _ in range(increfs):
            decref(watched)
        for k in range(mallocs):
            libc.free(blocks[k])
    record(
        "leaks",
        case="detector-self-test",
        iterations=n,
        caught={name: f["leak"] for name, f in results.items()},
    )
    assert not results["none"]["leak"]
    assert any("allocated blocks" in s for s in results["objects"]["leak"])
    assert any("reference counts" in s for s in results["references"]["leak"])
    if _MALLINFO2 is not None:
        assert any("C heap" in s for s in results["c-heap"]["leak"])
