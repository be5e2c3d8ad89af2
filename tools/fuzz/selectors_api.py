"""Sessions of the selectors (``SelectSelector``, ``PollSelector``,
``EpollSelector``)."""

from __future__ import annotations

import contextlib
import io
import selectors as stock_selectors
from collections.abc import Callable

from tests.support.hostile import (
    EqualToAll,
    Fileno,
    RaisingEq,
    restore_fds,
)
from tests.support.oracle import outcome as _outcome
from tools.fuzz.common import (
    N_SLOTS,
    NAN,
    Ctx,
    Session,
    build,
    fd_recipe,
    guarded,
    may_block,
    pool_op,
)
from tools.fuzz.select_api import (
    hostile_timeout,
)

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
