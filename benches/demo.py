"""A short side-by-side run of the stock module and rselect.

    python benches/demo.py [scenario name substrings]

Interleaves the two implementations (A B A B ...) over several rounds and
prints median nanoseconds per call and the ratio. For careful numbers use
bench.py (pyperf).
"""

from __future__ import annotations

import os
import select as stock
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rselect
from scenarios import SCENARIOS

SHOWN = [
    "select-int-idle-1",
    "select-int-ready-100",
    "select-int-ready-1000",
    "select-socket-ready-100",
    "select-socket-idle-1000",
    "poll-ready-1000",
    "epoll-idle-1",
    "epoll-ready-1000",
]


def per_call_ns(call, loops):
    t0 = time.perf_counter_ns()
    for _ in range(loops):
        call()
    return (time.perf_counter_ns() - t0) / loops


def main():
    # Arguments: substrings of scenario names to run instead of the default set.
    wanted = sys.argv[1:]
    names = [n for n in SCENARIOS if any(w in n for w in wanted)] if wanted else SHOWN
    print(f"{'scenario':<26} {'stock ns':>9} {'rselect ns':>11} {'ratio':>6}")
    for name in names:
        make = SCENARIOS[name]
        calls = {}
        cleanups = []
        for label, module in (("stock", stock), ("rselect", rselect)):
            call, cleanup = make(module)
            calls[label] = call
            cleanups.append(cleanup)
        try:
            loops = max(10, int(2e-3 / max(per_call_ns(calls["stock"], 5) * 1e-9, 1e-9)))
            samples = {"stock": [], "rselect": []}
            for _ in range(15):
                for label in ("stock", "rselect"):
                    samples[label].append(per_call_ns(calls[label], loops))
            s = statistics.median(samples["stock"])
            r = statistics.median(samples["rselect"])
            print(f"{name:<26} {s:>9.0f} {r:>11.0f} {r / s:>6.2f}")
        finally:
            for c in cleanups:
                c()
    if wanted:
        return
    hi = None
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft > 5000:
            r, w = os.pipe()
            os.dup2(w, 5000)
            hi = 5000
            got = rselect.select([], [hi], [], 0)
            print(f"\nrselect.select([], [5000], [], 0) -> {got}   (stock: ValueError)")
            for fd in (r, w, hi):
                os.close(fd)
    except OSError as exc:
        print(f"(descriptor 5000 demo skipped: {exc})")


if __name__ == "__main__":
    main()
