"""Sessions of poll objects."""

from __future__ import annotations

import random
import select as stock
from collections.abc import Callable

from tests.support.hostile import (
    POLL_BAD_CALLS,
)
from tools.fuzz.common import (
    FAR,
    Session,
    build,
    fd_recipe,
    hostile,
    may_block,
    pool_op,
)
from tools.fuzz.select_api import (
    hostile_timeout,
)

# -- poll objects --------------------------------------------------------------------

POLL_BITS = [getattr(stock, n) for n in dir(stock) if n.startswith("POLL")]
# Timeouts that cannot block: no wait (the first five), or 1 ms.
POLL_SAFE_T = [("i", 0), ("f", 0.0), ("f", -0.0), ("b", False), ("idx", ("i", 0))]
POLL_SAFE_T += [("isub", ("i", 0)), ("fsub", 0.0), ("f", 1e-100), ("f", 0.5), ("i", 1)]
POLL_SAFE_T += [("b", True), ("idx", ("i", 1))]


def mask_recipe(rng: random.Random, bits: list, width: int) -> tuple:
    r = rng.random()
    if r < 0.45:
        return ("i", sum({rng.choice(bits) for _ in range(rng.randrange(0, 4))}))
    if r < 0.6:
        return ("i", rng.getrandbits(width))
    if r < 0.7:
        return ("i", rng.choice([0, -1, 2**width - 1, 2**width, 2**width + 1, -(2**width)]))
    return hostile(rng)


class PollSession(Session):
    api = "poll"
    parser_ops = frozenset({"badcall"})

    def __init__(self, impl, pool):
        super().__init__(impl, pool)
        self.objs: tuple = ()

    def gen(self, rng):
        r = rng.random()
        if r < 0.12:
            return pool_op(rng)
        if r < 0.40:
            mask = None if rng.random() < 0.15 else mask_recipe(rng, POLL_BITS, 16)
            return ("register", fd_recipe(rng), mask)
        if r < 0.55:
            return ("modify", fd_recipe(rng), mask_recipe(rng, POLL_BITS, 16))
        if r < 0.67:
            return ("unregister", fd_recipe(rng))
        if r < 0.95:
            x = rng.random()
            if x < 0.85:
                t = rng.choice(POLL_SAFE_T[:5] if rng.random() < 0.9 else POLL_SAFE_T)
            elif x < 0.998:
                t = hostile_timeout(rng, 1e-3, negative_blocks=True)
            else:
                t = None  # poll(): infinite (guarded)
            return ("poll", t)
        if r < 0.965:
            return ("badcall", rng.randrange(len(POLL_BAD_CALLS)))
        if r < 0.967:
            return ("register_range", rng.choice([100, 1000, 30_000]), rng.choice([0, 1, 7]))
        return ("new",)

    def close(self):
        self.objs = ()

    def run(self, op):
        if op[0] == "new":
            self.objs = (self.impl.stock.poll(), self.impl.ours.poll())
            return ("ok", None, ()), ("ok", None, ())
        guard = op[0] == "poll" and may_block(op[1], 1e-3, negative_blocks=True)
        want, got = (self.side(p, self.call(p, op), guard=guard) for p in self.objs)
        return want, got

    def call(self, p, op) -> Callable:
        kind = op[0]
        if kind == "register":
            if op[2] is None:
                return lambda ctx: p.register(build(op[1], ctx))
            return lambda ctx: p.register(build(op[1], ctx), build(op[2], ctx))
        if kind == "modify":
            return lambda ctx: p.modify(build(op[1], ctx), build(op[2], ctx))
        if kind == "unregister":
            return lambda ctx: p.unregister(build(op[1], ctx))
        if kind == "poll":
            if op[1] is None:
                return lambda ctx: p.poll()
            return lambda ctx: p.poll(build(op[1], ctx))
        if kind == "badcall":
            return lambda ctx: POLL_BAD_CALLS[op[1]](p, ctx.pool.fd(0, 0))
        if kind == "register_range":

            def many(ctx):
                for k in range(op[1]):
                    p.register(FAR + k, op[2])
                return p.poll(0)

            return many
        raise ValueError(op)
