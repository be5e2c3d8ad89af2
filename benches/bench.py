"""pyperf benchmarks: stock ``select`` and ``rselect`` side by side, with ratios.

    python benches/bench.py [pyperf options, e.g. --fast, -o out.json]
    python benches/bench.py --filter ready-1000

Scenarios (benches/scenarios.py): ``select()`` over ints and sockets, poll and
epoll waits with 1-1000 registered eventfds, and register/modify churn.

Every scenario runs once per implementation in the same pyperf run; the table
printed at the end gives both medians and rselect's time relative to stock.
"""

from __future__ import annotations

import os
import select as stock
import sys

import pyperf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rselect
from scenarios import SCENARIOS

MODULES = {"stock": stock, "rselect": rselect}


def time_scenario(loops, make, module):
    call, cleanup = make(module)
    try:
        call()  # warm up
        t0 = pyperf.perf_counter()
        for _ in range(loops):
            call()
        return pyperf.perf_counter() - t0
    finally:
        cleanup()


def add_cmdline_args(cmd, args):
    if args.filter:
        cmd.extend(("--filter", args.filter))


def main():
    runner = pyperf.Runner(add_cmdline_args=add_cmdline_args)
    runner.argparser.add_argument("--filter", default="", help="substring of scenario names")
    args = runner.parse_args()
    results = {}
    for name, make in SCENARIOS.items():
        if args.filter and args.filter not in name:
            continue
        for label, module in MODULES.items():
            bench = runner.bench_time_func(f"{name}[{label}]", time_scenario, make, module)
            if bench is not None and not args.worker:
                results[(name, label)] = bench.median()
    if args.worker or not results:
        return
    print()
    print(f"{'scenario':<28} {'stock ns':>10} {'rselect ns':>11} {'ratio':>7}")
    for name in SCENARIOS:
        if (name, "stock") in results and (name, "rselect") in results:
            s, r = results[(name, "stock")], results[(name, "rselect")]
            print(f"{name:<28} {s * 1e9:>10.0f} {r * 1e9:>11.0f} {r / s:>7.3f}")


if __name__ == "__main__":
    main()
