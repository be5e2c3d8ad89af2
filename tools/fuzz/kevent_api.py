"""Sessions of ``kevent()`` (only where rselect has one)."""

from __future__ import annotations

from tools.fuzz.common import (
    Session,
    build,
    hostile,
)

# -- kevent (only where rselect has one) --------------------------------------------


class KeventSession(Session):
    api = "kevent"

    def gen(self, rng):
        args = tuple(hostile(rng) for _ in range(rng.randrange(1, 7)))
        return ("kevent", args)

    def apply(self, op, index):
        if op[0] == "new":
            return None
        return super().apply(op, index)

    def run(self, op):
        out = []
        for mod in (self.impl.stock, self.impl.ours):

            def call(ctx, mod=mod):
                k = mod.kevent(*(build(a, ctx) for a in op[1]))
                return (k.ident, k.filter, k.flags, k.fflags, k.data, k.udata)

            out.append(self.side(None, call))
        return out[0], out[1]
