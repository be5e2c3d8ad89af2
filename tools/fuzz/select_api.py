"""Sessions of ``select()``: hostile lists and timeouts."""

from __future__ import annotations

import random
from typing import Any

from tests.support.hostile import (
    raising_iter,
)
from tools.fuzz.common import (
    N_SLOTS,
    Ctx,
    ListSub,
    Session,
    build,
    fd_recipe,
    hostile,
    may_block,
    outcome,
    pool_op,
)

# -- select() ------------------------------------------------------------------------

SELECT_SAFE_T = [0, 0.0, -0.0, False, 1e-9, 5e-324, 0.0001, 1e-4]
SELECT_T_RECIPES = [("f", x) for x in SELECT_SAFE_T if isinstance(x, float)]
SELECT_T_RECIPES += [("i", 0), ("b", False), ("idx", ("i", 0)), ("isub", ("i", 0))]
SELECT_T_RECIPES += [("fsub", 0.0), ("idx", ("i", 2**70)), ("idxraise", "ValueError")]


def select_item(rng: random.Random, pure: bool = False) -> tuple:
    """An entry of a select() list (pure: no side effects, for repeated lists)."""
    slot, end = rng.randrange(N_SLOTS), rng.randrange(2)
    r = rng.random()
    if r < 0.45:
        return ("fd", slot, end)
    if r < 0.52:
        return ("sentinel", rng.randrange(2))
    if r < 0.55:
        return ("gone", rng.randrange(2))
    if r < 0.6:
        return ("fdno", slot, end)
    if not pure and r < 0.63:
        return ("mutate",)
    if not pure and r < 0.66:
        return ("fileno_close", slot, end)
    return fd_recipe(rng, own=False, close=not pure)


def select_list(rng: random.Random) -> tuple:
    r = rng.random()
    if r < 0.0015:
        n = rng.choice([1025, 5000, 100_000])
    elif r < 0.015:
        n = rng.choice([1023, 1024, 1025, rng.randrange(9, 1100)])
    else:
        n = -1
    if n >= 0:
        pattern = [select_item(rng, pure=True) for _ in range(rng.randrange(1, 4))]
        insert = None
        if rng.random() < 0.5:
            insert = (rng.randrange(n + 1), select_item(rng, pure=True))
        return ("big", rng.choice(["list", "list", "tuple", "gen"]), n, pattern, insert)
    if r < 0.05:
        bad = rng.choice([("i", 1), ("n",), ("f", 2.5), ("s", "ab"), ("s", ""), ("obj",)])
        return ("bad", bad)
    container = rng.choice(["list"] * 5 + ["tuple", "gen", "listsub", "dict", "raising_iter"])
    items = [select_item(rng) for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 8]))]
    if rng.random() < 0.03:
        container = "set"
        items = [("fd", rng.randrange(N_SLOTS), rng.randrange(2)) for _ in items]
    return (container, items)


def hostile_timeout(rng: random.Random, seconds_per_unit: float, negative_blocks: bool) -> tuple:
    """A hostile timeout; one that may wait (then guarded: up to 2 x 50 ms when
    nothing is ready) only rarely."""
    for _ in range(20):
        t = hostile(rng)
        if not may_block(t, seconds_per_unit, negative_blocks) or rng.random() < 0.03:
            return t
    return ("i", 0)


def select_timeout(rng: random.Random) -> tuple:
    r = rng.random()
    if r < 0.8:
        return rng.choice(SELECT_T_RECIPES)
    if r < 0.998:
        return hostile_timeout(rng, 1.0, negative_blocks=False)
    return ("n",)  # no timeout: blocks unless something is ready (guarded)


def _expand(rec: tuple) -> tuple[list, list[int]]:
    """A repeated list's distinct recipes, and each entry as an index into them."""
    _, _, n, pattern, insert = rec
    distinct = list(pattern)
    index = list(range(len(pattern))) * (n // len(pattern) + 1)
    del index[n:]
    if insert is not None:
        distinct.append(insert[1])
        index.insert(insert[0], len(distinct) - 1)
    return distinct, index


def build_select_list(rec: tuple, ctx: Ctx) -> tuple[Any, list]:
    kind = rec[0]
    if kind == "bad":
        return build(rec[1], ctx), []
    if kind == "big":
        # Each distinct entry built once and repeated (the same object).
        container = rec[1]
        distinct, index = _expand(rec)
        built = [build(r, ctx) for r in distinct]
        items = [built[i] for i in index]
    else:
        container = kind
        items = [build(r, ctx) for r in rec[1]]
    if container == "list":
        seq: Any = items[:]
    elif container == "tuple":
        seq = tuple(items)
    elif container == "gen":
        seq = iter(items[:])
    elif container == "listsub":
        seq = ListSub(items)
    elif container == "dict":
        seq = dict.fromkeys(items)
    elif container == "set":
        seq = set(items)
    else:
        seq = raising_iter(items[:])
    for m in ctx.mutators:
        m.target = seq if isinstance(seq, list) else None
    ctx.mutators = []
    return seq, items


def _positions(result: list, items: list) -> list:
    """Each returned object as its position among the entries given (greedy, in order)."""
    out = []
    p = 0
    for obj in result:
        q = p
        while q < len(items) and items[q] is not obj:
            q += 1
        if q < len(items):
            out.append(q)
            p = q + 1
        else:
            out.append(("foreign", type(obj).__name__, repr(obj)[:40]))
    return out


class SelectSession(Session):
    api = "select"

    def gen(self, rng):
        if rng.random() < 0.15:
            return pool_op(rng)
        lists = [select_list(rng) for _ in range(3)]
        big = any(x[0] == "big" and x[2] > 8 for x in lists)
        t = rng.choice(SELECT_T_RECIPES[:4]) if big else select_timeout(rng)
        return ("select", *lists, t)

    def apply(self, op, index):
        if op[0] == "new":
            return None
        return super().apply(op, index)

    def call(self, module, lists, t):
        built: list[list] = []

        def call(ctx):
            args = []
            for rec in lists:
                seq, items = build_select_list(rec, ctx)
                args.append(seq)
                built.append(items)
            return module.select(*args, build(t, ctx))

        guard = may_block(t, 1.0, negative_blocks=False)

        def norm(value, ctx):
            if type(value) is not tuple or len(value) != 3:
                return ("not a 3-tuple", type(value).__name__)
            return tuple(
                (type(v).__name__, _positions(v, items) if isinstance(v, list) else repr(v))
                for v, items in zip(value, built, strict=True)
            )

        return self.side(None, call, guard=guard, norm=norm)

    def run(self, op):
        lists, t = op[1:4], op[4]
        want = self.call(self.impl.stock, lists, t)
        got = self.call(self.impl.ours, lists, t)
        if want[:3] == ("raise", ValueError, "too many file descriptors in select()"):
            want, exact = self.lifted_reference(lists, t)
            got = (*got[:-1], _warning_counts(got[-1], exact))
        return want, got

    def lifted_reference(self, lists, t) -> tuple[tuple, bool]:
        """Stock's answer for a list of more than FD_SETSIZE entries: the same
        call with each repeated list's distinct entries given once, the ready
        ones then mapped back to every position that holds them.

        Warnings (3.13: a bool entry warns at each conversion) are counted per
        (category, message), order aside: the reference's, plus those of the
        repetitions its distinct entries stand for, each entry's own measured
        alone. Only when every entry was converted (a result, or select(2)'s
        OSError): after a conversion error, which repetitions came before it is
        not known, and only the kinds of warnings are compared (exact: False)."""
        dedup = []
        for rec in lists:
            if rec[0] == "big":
                distinct, index = _expand(rec)
                first = sorted(range(len(distinct)), key=index.index)  # order of appearance
                dedup.append(("list", [distinct[i] for i in first]))
            else:
                dedup.append(rec)
        ref = self.call(self.impl.stock, dedup, t)
        converted = ref[0] == "ok" or (ref[1] is OSError and ref[3] is not None)
        warned = list(ref[-1])
        for rec in lists:
            if rec[0] == "big" and converted:
                distinct, index = _expand(rec)
                alone = [self.entry_warnings(d) for d in distinct]
                for d in range(len(distinct)):
                    warned += alone[d] * (index.count(d) - 1)
        counts = _warning_counts(tuple(warned), exact=converted)
        if ref[0] != "ok":
            return (*ref[:-1], counts), converted
        out = []
        for rec, item in zip(lists, ref[1], strict=True):
            if rec[0] != "big":
                out.append(item)
                continue
            distinct, index = _expand(rec)
            first = sorted(range(len(distinct)), key=index.index)
            ready = {first[p] for p in item[1] if isinstance(p, int)}
            out.append(("list", [i for i, d in enumerate(_expand(rec)[1]) if d in ready]))
        return ("ok", tuple(out), counts), converted

    def entry_warnings(self, rec: tuple) -> tuple:
        """The warnings of converting one (side-effect free) entry, alone."""
        entry = build(rec, Ctx(self.pool))
        return outcome(lambda: self.impl.stock.select([entry], [], [], 0))[-1]


def _warning_counts(warned: tuple, exact: bool = True) -> tuple:
    """Warnings as sorted ((category, message), count) pairs; the count is
    "some" when not exact."""
    counts: dict = {}
    for w in warned:
        counts[w] = counts.get(w, 0) + 1 if exact else "some"
    return tuple(sorted(counts.items(), key=repr))
