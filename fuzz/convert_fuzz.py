"""Coverage-guided differential fuzz target for rselect's argument converters.

atheris (libFuzzer) mutates byte strings; a FuzzedDataProvider turns each into
one call with hostile arguments (ints of any size, floats with NaN/inf,
__index__ objects returning anything or raising, int and float subclasses,
objects with a fileno(), strings, Decimal, Fraction, ...) to:

  0  select(r, w, x, timeout)                 fildes, list conversion, timeout
  1  poll().register/modify/unregister/poll   fildes, unsigned short mask, ms timeout
  2  epoll().register/modify/unregister/poll  fildes, bitwise 32-bit mask, timeout,
                                              maxevents (C int)
  3  epoll(sizehint, flags), epoll.fromfd(fd) C ints, fd adoption (never of an open fd)
  4  the three timeouts alone, float-heavy    rselect-core's time.rs (pytime rounding)
  5  kevent(ident, filter, flags, fflags, data, udata) of the test build (the
     `testing` feature: the portable kevent of rselect's FreeBSD/macOS code),
     against CPython's own PyArg_ParseTupleAndKeywords("O|hHILK:kevent") and
     PyLong_AsSize_t/PyObject_AsFileDescriptor called through ctypes: args.rs

The oracle is the stock module: each call runs through `select` and through
rselect, and the outcomes (value, or exception type, message and errno, plus
warnings) must be equal; a difference raises DivergenceError, which atheris
reports as a crash (with the input saved as crash-<sha1>). Divergences already
reported (tools/fuzz's KNOWN) are passed over.

Coverage: rselect is built by fuzz/build.sh with sanitizer-coverage (inline
8-bit counters, PC table, comparison tracing) and its __sanitizer_cov_* hooks
are resolved against atheris's libFuzzer, loaded first with RTLD_GLOBAL: the
feedback is the edges of the Rust code (rselect-py's converters, rselect-core's
time.rs, PyO3's argument handling). Python code is not instrumented.

Nothing here can block: every poll/epoll/select call has a descriptor that is
always ready (a pipe holding a byte) registered or listed first, so even an
infinite timeout returns at once.

    fuzz/run.sh [seconds]            (builds on first use)
"""

from __future__ import annotations

import os
import sys

# libFuzzer's coverage hooks must be global before the instrumented module loads.
sys.setdlopenflags(os.RTLD_NOW | os.RTLD_GLOBAL)
import ctypes  # noqa: E402
import select as stock  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import atheris  # noqa: E402
import atheris.core_with_libfuzzer  # noqa: E402  (defines __sanitizer_cov_*)
import rselect  # noqa: E402  (instrumented: its counters register with libFuzzer now)

if os.environ.get("RSELECT_FUZZ_PRINT_BASE"):  # for fuzz/coverage.py
    with open("/proc/self/maps") as _maps:
        for _line in _maps:
            if "_rselect" in _line and " 00000000 " in _line:
                print("RSELECT_SO_BASE", _line.split("-")[0], _line.split()[-1], flush=True)
                break

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tools.fuzz and tests.support, from this checkout
import tools.fuzz as tool  # noqa: E402

MODULES = (stock, rselect)
EXC_NAMES = sorted(tool.EXCEPTIONS)
EDGE_INTS = tool.BIG_INTS + tool.SMALL_INTS + [tool.FAR, tool.NR_OPEN, 1023, 1024]


class DivergenceError(AssertionError):
    pass


# -- the descriptors -------------------------------------------------------------------

_fd, _path = tempfile.mkstemp(prefix="rselect-atheris-")
os.close(_fd)
POOL = tool.Pool(tool.KINDS, base=tool.reserve_block(tool.BLOCK, 80), path=_path, sentinel=True)
os.unlink(_path)  # the file slots keep it open
CTX = tool.Ctx(POOL)
READY = POOL.sentinel(0)  # always readable


# -- values from the fuzzer's bytes ---------------------------------------------------


def big_int(fdp) -> int:
    k = fdp.ConsumeIntInRange(0, 3)
    if k == 0:
        return fdp.ConsumeIntInRange(-70000, 70000)
    if k == 1:
        return EDGE_INTS[fdp.ConsumeIntInRange(0, len(EDGE_INTS) - 1)] + fdp.ConsumeIntInRange(
            -2, 2
        )
    return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 24))


def number(fdp) -> tuple:
    """A recipe (tools/fuzz's build()) for any kind of number-ish value."""
    k = fdp.ConsumeIntInRange(0, 17)
    if k <= 2:
        return ("i", big_int(fdp))
    if k <= 4:
        return ("f", fdp.ConsumeFloat())
    if k == 5:
        return ("f", fdp.ConsumeRegularFloat() * 10.0 ** fdp.ConsumeIntInRange(-12, 12))
    if k == 6:
        return ("b", fdp.ConsumeBool())
    if k == 7:
        return ("idx", ("i", big_int(fdp)))
    if k == 8:
        return ("idx", ("isub", ("i", big_int(fdp))))
    if k == 9:
        return ("idx", [("f", 1.5), ("s", "1"), ("n",), ("b", True)][fdp.ConsumeIntInRange(0, 3)])
    if k == 10:
        return ("idxraise", EXC_NAMES[fdp.ConsumeIntInRange(0, len(EXC_NAMES) - 1)])
    if k == 11:
        return ("isub", ("i", big_int(fdp)))
    if k == 12:
        return ("fsub", fdp.ConsumeFloat())
    if k == 13:
        return (
            "dec",
            ["0", "1", "-1", "1.5", "NaN", "Infinity", "1e30"][fdp.ConsumeIntInRange(0, 6)],
        )
    if k == 14:
        return ("frac", big_int(fdp), max(1, fdp.ConsumeIntInRange(1, 1000)))
    if k == 15:
        return [("n",), ("s", "0"), ("y", b"0"), ("cx", 0.0, 1.0), ("obj",), ("list",)][
            fdp.ConsumeIntInRange(0, 5)
        ]
    if k == 16:
        return ("i", fdp.ConsumeIntInRange(-(2**31) - 2, 2**31 + 2))
    return ("i", fdp.ConsumeIntInRange(0, 2**16 + 2))


def clamp(rec: tuple, any_number: bool) -> tuple:
    """Keep a number recipe off the descriptors it must not name: from FD_SETSIZE
    to fs.nr_open (select()'s documented difference) and, unless any_number,
    every number from 3 up (epoll objects own descriptors of their own, one per
    implementation: naming one would be naming different files)."""
    if rec[0] in ("isub", "idx", "fileno"):
        return (rec[0], clamp(rec[1], any_number))
    if rec[0] == "i" and type(rec[1]) is int:
        v = rec[1]
        if 1024 <= v < tool.FAR:
            return ("far",)
        if not any_number and 3 <= v < tool.FAR:
            return ("fd", v % tool.N_SLOTS, (v >> 8) & 1)
    return rec


def fd_value(fdp, any_number: bool) -> tuple:
    """A descriptor argument: the pool's numbers, wrappers, anything else."""
    k = fdp.ConsumeIntInRange(0, 9)
    slot, end = fdp.ConsumeIntInRange(0, tool.N_SLOTS - 1), fdp.ConsumeIntInRange(0, 1)
    if k <= 2:
        return ("fd", slot, end)
    if k == 3:
        return ("fdno", slot, end)
    if k == 4:
        return clamp(("fileno", number(fdp)), any_number)
    if k == 5:
        return ("fileno_raise", EXC_NAMES[fdp.ConsumeIntInRange(0, len(EXC_NAMES) - 1)])
    if k == 6:
        return [("gone", 0), ("far",), ("sentinel", 1), ("getattr", slot, end), ("notcallable",)][
            fdp.ConsumeIntInRange(0, 4)
        ]
    return clamp(number(fdp), any_number)


# -- comparing -------------------------------------------------------------------------


def both(call, norm=None):
    """call(module, ctx) through stock then rselect; equal outcomes or raise."""
    res = []
    for module in MODULES:
        try:
            r = tool.outcome(lambda module=module: call(module))
        finally:
            tool.restore_fds()
        if r[0] == "ok" and norm is not None:
            r = ("ok", norm(r[1]), r[2])
        res.append(r)
    want, got = res
    if got != want:
        d = tool.Divergence(0, ("atheris",), want, got)
        if d.known is None:
            raise DivergenceError(f"\n  stock:   {tool.show(want)}\n  rselect: {tool.show(got)}")
    return want


def build(rec):
    return tool.build(rec, CTX)


def _container(kind: int, items: list):
    if kind == 0:
        return items
    if kind == 1:
        return tuple(items)
    if kind == 2:
        return iter(items)
    if kind == 3:
        return dict.fromkeys(items)
    if kind == 4:
        return (x for x in [*items, None] if x is not None or _raise())
    return [None, 1, "ab", b"", 2.5][kind - 5]  # not a sequence (or one of str/bytes)


def _raise():
    raise KeyError("iteration failed")


def target_select(fdp):
    lists = []
    for _ in range(3):
        n = fdp.ConsumeIntInRange(0, 6)
        kind = fdp.ConsumeIntInRange(0, 9) if fdp.ConsumeIntInRange(0, 3) == 0 else 0
        lists.append((kind, [fd_value(fdp, any_number=True) for _ in range(n)]))
    t = number(fdp)
    if lists[0][0] != 0 and lists[1][0] != 0:
        t = ("i", 0)  # nowhere to put a ready descriptor: no wait at all

    def call(m):
        args = []
        for i, (kind, recs) in enumerate(lists):
            items = [build(x) for x in recs]
            if i == 0 and kind == 0:
                items.insert(0, READY)  # readable: the call never blocks
            elif i == 1 and kind == 0 and lists[0][0] != 0:
                items.insert(0, POOL.sentinel(1))  # writable
            args.append(_container(kind, items))
        return m.select(*args, build(t))

    both(call, norm=lambda v: tuple(len(x) for x in v))


def target_poll(fdp):
    ops = []
    for _ in range(fdp.ConsumeIntInRange(1, 6)):
        k = fdp.ConsumeIntInRange(0, 3)
        if k == 0:
            ops.append(
                ("register", fd_value(fdp, True), number(fdp) if fdp.ConsumeBool() else None)
            )
        elif k == 1:
            ops.append(("modify", fd_value(fdp, True), number(fdp)))
        elif k == 2:
            ops.append(("unregister", fd_value(fdp, True)))
        else:
            ops.append(("poll", number(fdp) if fdp.ConsumeBool() else None))
    objs = [m.poll() for m in MODULES]
    for p in objs:
        p.register(READY, stock.POLLIN)
    for op in ops:

        def call(m, op=op):
            p = objs[MODULES.index(m)]
            if op[0] == "register":
                if op[2] is None:
                    return p.register(build(op[1]))
                return p.register(build(op[1]), build(op[2]))
            if op[0] == "modify":
                return p.modify(build(op[1]), build(op[2]))
            if op[0] == "unregister":
                return p.unregister(build(op[1]))
            p.register(READY, stock.POLLIN)  # something ready: never blocks
            return p.poll() if op[1] is None else p.poll(build(op[1]))

        both(call)


def target_epoll(fdp):
    ops = []
    for _ in range(fdp.ConsumeIntInRange(1, 6)):
        k = fdp.ConsumeIntInRange(0, 3)
        if k == 0:
            ops.append(
                ("register", fd_value(fdp, False), number(fdp) if fdp.ConsumeBool() else None)
            )
        elif k == 1:
            ops.append(("modify", fd_value(fdp, False), number(fdp)))
        elif k == 2:
            ops.append(("unregister", fd_value(fdp, False)))
        else:
            maxevents = number(fdp) if fdp.ConsumeBool() else None
            ops.append(("poll", number(fdp) if fdp.ConsumeBool() else None, maxevents))
    objs = [m.epoll() for m in MODULES]
    try:
        for op in ops:

            def call(m, op=op):
                e = objs[MODULES.index(m)]
                if op[0] == "register":
                    if op[2] is None:
                        return e.register(build(op[1]))
                    return e.register(build(op[1]), build(op[2]))
                if op[0] == "modify":
                    return e.modify(build(op[1]), build(op[2]))
                if op[0] == "unregister":
                    return e.unregister(build(op[1]))
                try:  # READY level-triggered, freshly added: never blocks
                    e.unregister(READY)
                except OSError:
                    pass
                e.register(READY, stock.EPOLLIN)
                t = None if op[1] is None else build(op[1])
                return e.poll(t) if op[2] is None else e.poll(t, build(op[2]))

            both(call, norm=lambda v: sorted(v) if type(v) is list else v)
    finally:
        for e in objs:
            e.close()


def target_epoll_new(fdp):
    if fdp.ConsumeBool():
        rec = number(fdp)
        if rec[0] in ("i", "b", "isub", "idx") or (rec[0] == "f" and rec[1] == rec[1]):
            # Adoption of an open number: only negative or far ones.
            rec = [("i", -abs(big_int(fdp)) - 2), ("far",), ("gone", 1)][
                fdp.ConsumeIntInRange(0, 2)
            ]

        def call(m):
            e = m.epoll.fromfd(build(rec))
            closed = e.closed
            e.close()
            return closed

        both(call)
        return
    s, f, form = number(fdp), number(fdp), fdp.ConsumeIntInRange(0, 3)

    def call(m):
        if form == 0:
            e = m.epoll(build(s))
        elif form == 1:
            e = m.epoll(build(s), build(f))
        elif form == 2:
            e = m.epoll(flags=build(f))
        else:
            e = m.epoll(sizehint=build(s), flags=build(f))
        e.close()
        return True

    both(call)


def target_timeouts(fdp):
    t = ("f", fdp.ConsumeFloat()) if fdp.ConsumeBool() else number(fdp)
    k = fdp.ConsumeIntInRange(0, 2)

    def call(m):
        if k == 0:
            return len(m.select([READY], [], [], build(t))[0])
        if k == 1:
            p = m.poll()
            p.register(READY, stock.POLLIN)
            return p.poll(build(t))
        with m.epoll() as e:
            e.register(READY, stock.EPOLLIN)
            return [fd for fd, _ in e.poll(build(t))]

    both(call)


# -- kevent: the test build's portable kevent against CPython's own parser ------------

try:
    from rselect._rselect import _testing  # the `testing` feature (fuzz/build.sh)
except ImportError:  # pragma: no cover - a build without it
    _testing = None
KEVENT_KW = ["ident", "filter", "flags", "fflags", "data", "udata"]
_kwlist = (ctypes.c_char_p * 7)(*(k.encode() for k in KEVENT_KW), None)
_parse = ctypes.pythonapi.PyArg_ParseTupleAndKeywords
_parse.restype = ctypes.c_int
_as_fd = ctypes.pythonapi.PyObject_AsFileDescriptor
_as_fd.argtypes = [ctypes.py_object]
_as_fd.restype = ctypes.c_int
_as_size_t = ctypes.pythonapi.PyLong_AsSize_t
_as_size_t.argtypes = [ctypes.py_object]
_as_size_t.restype = ctypes.c_size_t


def kevent_oracle(*args, **kwargs):
    """select.kevent() on 64-bit FreeBSD/macOS, by CPython's own functions: the
    "O|hHILK:kevent" parse (defaults EV_SET(e, 0, EVFILT_READ, EV_ADD, 0, 0, 0)),
    then the ident: PyLong_AsSize_t for an int, PyObject_AsFileDescriptor else."""
    o = ctypes.py_object()
    h, H, I = ctypes.c_short(-1), ctypes.c_ushort(1), ctypes.c_uint()  # noqa: E741
    L, K = ctypes.c_longlong(), ctypes.c_ulonglong()
    _parse(
        ctypes.py_object(tuple(args)),
        ctypes.py_object(kwargs) if kwargs else None,
        b"O|hHILK:kevent",
        _kwlist,
        *(ctypes.byref(x) for x in (o, h, H, I, L, K)),
    )
    ident = o.value
    ident = _as_size_t(ident) if isinstance(ident, int) else _as_fd(ident)
    return (ident, h.value, H.value, I.value, L.value, K.value)


def kevent_ours(*args, **kwargs):
    k = _testing.kevent(*args, **kwargs)
    return (k.ident, k.filter, k.flags, k.fflags, k.data, k.udata)


def target_kevent(fdp):
    if _testing is None:
        return
    n = fdp.ConsumeIntInRange(0, 7)
    args = [fd_value(fdp, any_number=True) if i == 0 else number(fdp) for i in range(n)]
    kw = {}
    for _ in range(fdp.ConsumeIntInRange(0, 3)):
        i = fdp.ConsumeIntInRange(0, 6)
        name = KEVENT_KW[i] if i < 6 else "bogus"
        kw[name] = fd_value(fdp, True) if i == 0 else number(fdp)
    res = []
    for fn in (kevent_oracle, kevent_ours):

        def call(fn=fn):
            return fn(*(build(a) for a in args), **{k: build(v) for k, v in kw.items()})

        try:
            res.append(tool.outcome(call))
        finally:
            tool.restore_fds()
    if res[1] != res[0]:
        raise DivergenceError(
            f"kevent\n  CPython: {tool.show(res[0])}\n  rselect: {tool.show(res[1])}"
        )


TARGETS = [target_select, target_poll, target_epoll, target_epoll_new, target_timeouts]
TARGETS += [target_kevent]


def TestOneInput(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    TARGETS[fdp.ConsumeIntInRange(0, len(TARGETS) - 1)](fdp)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput, internal_libfuzzer=True)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
