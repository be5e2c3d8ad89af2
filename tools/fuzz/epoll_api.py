"""Sessions of epoll objects and of the epoll constructor and ``fromfd()``."""

from __future__ import annotations

import contextlib
import os
import random
import select as stock
from collections.abc import Callable

from tests.support.fds import is_open
from tests.support.hostile import (
    EPOLL_BAD_CALLS,
    Index,
)
from tests.support.oracle import clear_errno
from tools.fuzz.common import (
    NAN,
    Session,
    build,
    fd_recipe,
    hostile,
    may_block,
    pool_op,
)
from tools.fuzz.poll_api import (
    mask_recipe,
)
from tools.fuzz.select_api import (
    hostile_timeout,
)

# -- epoll objects -------------------------------------------------------------------


def _close_outcome(e) -> tuple:
    """close() of an epoll object, as comparable data: from 3.15 (gh-146205)
    close() reports the error of close(2), EBADF for an object that adopted a
    closed number (fromfd); before, it ignores it."""
    try:
        clear_errno()
        e.close()
    except OSError as exc:
        return ("raise", type(exc).__name__, exc.errno)
    return ("ok",)


EPOLL_BITS = [
    getattr(stock, n) for n in dir(stock) if n.startswith("EPOLL") and n != "EPOLL_CLOEXEC"
]
# Timeouts that cannot block: no wait (all but the last two: (-0.001, 0)
# rounds to 0 ms), or 1 ms.
EPOLL_SAFE_T = [("i", 0), ("f", 0.0), ("f", -0.0), ("f", -0.0005), ("f", -1e-9), ("b", False)]
EPOLL_SAFE_T += [("idx", ("i", 0)), ("fsub", 0.0), ("isub", ("i", 0)), ("f", 1e-4), ("f", 0.001)]
MAXEVENTS = [-1, -1, 1, 2, 3, 64, 0, -2, 2**31 - 1, 2**31, -(2**31) - 1, 178956970, 178956971]


def _sorted_events(value, ctx):
    if type(value) is list:
        return ("list", sorted(value, key=repr))
    return ("not a list", type(value).__name__)


# fromfd() adopts any number it is given: only values that name no open
# descriptor (negative, too large, the pool's never-opened numbers, FAR) or
# are refused before adoption.
FROMFD_VALUES = [("i", v) for v in (-1, -2, -(2**31), -(2**31) - 1, 2**31, 2**63, 2**64)]
FROMFD_VALUES += [("i", -(2**64)), ("i", 2**1000), ("far",), ("gone", 0), ("gone", 1)]
FROMFD_VALUES += [("f", 1.5), ("f", NAN), ("f", -1.0), ("s", "3"), ("n",), ("y", b"3")]
FROMFD_VALUES += [("idx", ("i", -2)), ("idx", ("i", 2**64)), ("idx", ("f", 1.5))]
FROMFD_VALUES += [("idx", ("isub", ("i", -3))), ("idxraise", "ValueError"), ("isub", ("i", -5))]
FROMFD_VALUES += [("dec", "1"), ("frac", 1, 2), ("obj",), ("fdno", 0, 0), ("cx", 0.0, 1.0)]


def fromfd_value(rng: random.Random) -> tuple:
    return rng.choice(FROMFD_VALUES)


class EpollSession(Session):
    api = "epoll"
    parser_ops = frozenset({"badcall"})

    def __init__(self, impl, pool):
        super().__init__(impl, pool)
        self.objs: list = []

    def gen(self, rng):
        r = rng.random()
        if r < 0.12:
            return pool_op(rng)
        form = rng.choice(["pos", "kw", "fd_kw", "default", "default_kw"])
        if r < 0.38:
            return ("register", fd_recipe(rng), mask_recipe(rng, EPOLL_BITS, 32), form)
        if r < 0.5:
            return ("modify", fd_recipe(rng), mask_recipe(rng, EPOLL_BITS, 32), form[:3])
        if r < 0.6:
            return ("unregister", fd_recipe(rng), form[:3])
        if r < 0.85:
            x = rng.random()
            if x < 0.85:
                t = rng.choice(EPOLL_SAFE_T[:-2] if rng.random() < 0.9 else EPOLL_SAFE_T)
            elif x < 0.998:
                t = hostile_timeout(rng, 1.0, negative_blocks=True)
            else:
                t = rng.choice([None, ("i", -1), ("f", -1.0)])  # infinite (guarded)
            y = rng.random()
            m = ("i", rng.choice(MAXEVENTS)) if y < 0.8 else hostile(rng)
            forms = ["pos", "kw", "timeout_only", "timeout_kw"]
            form = rng.choice(forms) if rng.random() < 0.995 else "none"  # none: infinite
            return ("poll", t, m, form)
        if r < 0.88:
            return ("misc", rng.choice(["fileno", "closed", "enter"]))
        if r < 0.9:
            return ("badcall", rng.randrange(len(EPOLL_BAD_CALLS)))
        if r < 0.93:
            return ("lifecycle", rng.choice(["close", "exit", "exit3", "with", "close2"]))
        if r < 0.98:
            how = rng.choice(["dup", "dup_on_instance", "dup_index", "minus_one", "value"])
            return ("fromfd", how, fromfd_value(rng) if how == "value" else None)
        return ("new",)

    def close(self):
        for e in self.objs:
            # An object that adopted a closed number (fromfd): from 3.15 its
            # close() reports EBADF; the operations compare that, not cleanup.
            with contextlib.suppress(OSError):
                e.close()
        self.objs = []

    def replace(self, i: int, new) -> tuple:
        """Put `new` in place of object i, closing the old one: the close's
        outcome (EBADF from 3.15 if the old one had adopted a closed number)."""
        closing = _close_outcome(self.objs[i])
        self.objs[i] = new
        return closing

    def run(self, op):
        kind = op[0]
        if kind == "new":
            self.close()
            self.objs = [self.impl.stock.epoll(), self.impl.ours.epoll()]
            return ("ok", None, ()), ("ok", None, ())
        results = []
        for i, e in enumerate(self.objs):
            if kind == "fromfd":
                res = self.side(e, self.call(e, op))
                if res[0] == "ok":
                    new = res[1]
                    closing = self.replace(i, new)
                    res = ("ok", (type(new) is type(e), new.closed, closing), res[2])
                results.append(res)
            elif kind == "poll":
                guard = op[3] == "none" or may_block(op[1], 1.0, negative_blocks=True)
                results.append(self.side(e, self.call(e, op), guard=guard, norm=_sorted_events))
            else:
                results.append(self.side(e, self.call(e, op)))
        return results[0], results[1]

    def call(self, e, op) -> Callable:
        kind = op[0]
        if kind == "register":
            _, fd, mask, form = op

            def register(ctx):
                a = build(fd, ctx)
                if form == "pos":
                    return e.register(a, build(mask, ctx))
                if form == "kw":
                    return e.register(fd=a, eventmask=build(mask, ctx))
                if form == "fd_kw":
                    return e.register(a, eventmask=build(mask, ctx))
                if form == "default":
                    return e.register(a)
                return e.register(fd=a)

            return register
        if kind == "modify":
            _, fd, mask, form = op

            def modify(ctx):
                a = build(fd, ctx)
                if form == "pos":
                    return e.modify(a, build(mask, ctx))
                if form == "kw":
                    return e.modify(eventmask=build(mask, ctx), fd=a)
                return e.modify(a, eventmask=build(mask, ctx))

            return modify
        if kind == "unregister":
            _, fd, form = op

            def unregister(ctx):
                a = build(fd, ctx)
                return e.unregister(a) if form == "pos" else e.unregister(fd=a)

            return unregister
        if kind == "poll":
            _, t, m, form = op

            def poll(ctx):
                tv = build(t, ctx) if t is not None else None
                if form == "pos":
                    return e.poll(tv, build(m, ctx))
                if form == "kw":
                    return e.poll(maxevents=build(m, ctx), timeout=tv)
                if form == "timeout_only":
                    return e.poll(tv)
                if form == "timeout_kw":
                    return e.poll(timeout=tv)
                return e.poll()

            return poll
        if kind == "misc":

            def misc(ctx):
                if op[1] == "fileno":
                    fd = e.fileno()
                    link = os.readlink(f"/proc/self/fd/{fd}")
                    return (type(fd).__name__, link, os.get_inheritable(fd))
                if op[1] == "closed":
                    return (type(e.closed).__name__, e.closed)
                return e.__enter__() is e

            return misc
        if kind == "badcall":
            return lambda ctx: EPOLL_BAD_CALLS[op[1]](e, ctx.pool.fd(0, 0))
        if kind == "lifecycle":

            def lifecycle(ctx):
                what = op[1]
                if what == "close":
                    return e.close()
                if what == "close2":
                    return (e.close(), e.close(), e.closed)
                if what == "exit":
                    return e.__exit__()
                if what == "exit3":
                    return e.__exit__(None, None, None)
                with e as entered:
                    return entered is e

            return lifecycle
        if kind == "fromfd":
            return lambda ctx: self.fromfd(e, op[1], op[2], ctx)
        raise ValueError(op)

    @staticmethod
    def fromfd(e, how, value, ctx):
        cls = type(e)
        if how == "minus_one":
            return cls.fromfd(-1)
        if how == "value":
            return cls.fromfd(build(value, ctx))
        dup = os.dup(e.fileno())
        try:
            if how == "dup_on_instance":
                return e.fromfd(dup)
            if how == "dup_index":
                return cls.fromfd(Index(dup))
            return cls.fromfd(dup)
        except BaseException:
            os.close(dup)
            raise


class EpollNewSession(Session):
    """The constructor's and fromfd()'s arguments; each object closed at once."""

    api = "epoll_new"
    parser_ops = frozenset({"new_parser"})

    def gen(self, rng):
        r = rng.random()

        def arg():
            x = rng.random()
            if x < 0.5:
                return ("i", rng.choice([-1, 0, 1, 2, 1000, -2, stock.EPOLL_CLOEXEC, 12356]))
            return hostile(rng)

        if r < 0.75:
            form = rng.choice(["none", "s", "sf", "kw_s", "kw_f", "kw_sf", "s_kw_f"])
            return ("epoll", form, arg(), arg())
        if r < 0.85:
            return ("new_parser", rng.randrange(5))
        return ("fromfd", fromfd_value(rng))

    def apply(self, op, index):
        if op[0] == "new":
            return None
        return super().apply(op, index)

    @staticmethod
    def describe(e, ctx):
        try:
            fd = e.fileno()
            info = (
                type(fd).__name__,
                os.readlink(f"/proc/self/fd/{fd}") if fd >= 0 else None,
                os.get_inheritable(fd) if is_open(fd) else None,
            )
        except (OSError, ValueError) as exc:
            info = (type(exc).__name__, str(exc))
        closed = e.closed
        closing = _close_outcome(e)  # EBADF from 3.15 for an adopted closed number
        return (type(e).__name__, closed, info, closing, e.closed)

    def run(self, op):
        kind = op[0]
        results = []
        for mod in (self.impl.stock, self.impl.ours):
            if kind == "epoll":
                _, form, s, f = op

                def call(ctx, mod=mod, form=form, s=s, f=f):
                    if form == "none":
                        return mod.epoll()
                    if form == "s":
                        return mod.epoll(build(s, ctx))
                    if form == "sf":
                        return mod.epoll(build(s, ctx), build(f, ctx))
                    if form == "kw_s":
                        return mod.epoll(sizehint=build(s, ctx))
                    if form == "kw_f":
                        return mod.epoll(flags=build(f, ctx))
                    if form == "kw_sf":
                        return mod.epoll(flags=build(f, ctx), sizehint=build(s, ctx))
                    return mod.epoll(build(s, ctx), flags=build(f, ctx))

            elif kind == "new_parser":
                n = op[1]

                def call(ctx, mod=mod, n=n):
                    return [
                        lambda: mod.epoll(1, 0, 3),
                        lambda: mod.epoll(bogus=1),
                        lambda: mod.epoll(1, sizehint=1),
                        lambda: mod.epoll.fromfd(),
                        lambda: mod.epoll.fromfd(1, 2),
                    ][n]()

            elif kind == "fromfd":
                v = op[1]

                def call(ctx, mod=mod, v=v):
                    return mod.epoll.fromfd(build(v, ctx))

            else:
                raise ValueError(op)
            results.append(
                self.side(
                    None,
                    call,
                    norm=lambda v, ctx: self.describe(v, ctx) if v is not None else None,
                )
            )
        return results[0], results[1]
