"""pyperf benchmarks: stock ``select`` and ``rselect`` side by side, with ratios.

    python benches/bench.py [pyperf options, e.g. --fast, -o out.json]
    python benches/bench.py --filter ready-1000

The scenarios are those of ``python -m rselect bench``
(``rselect/_bench_scenarios.py``): ``select()`` over ints and sockets, poll
and epoll waits with 1-1000 registered eventfds, register/modify churn, and
the scaling scenarios beyond the stock module (rselect only where stock
cannot run them). ``python -m rselect bench`` is quicker and adds the floor;
this gives pyperf's statistics and its JSON for ``pyperf compare_to``.

Every scenario runs once per implementation in the same pyperf run; the table
printed at the end gives both medians and rselect's time relative to stock.
"""

from __future__ import annotations

import select as stock

import pyperf
import rselect
from rselect._bench_scenarios import SCENARIOS

MODULES = {"stock": stock, "rselect": rselect}


def time_scenario(loops, make, module):
    case = make(module)
    call = case.call
    try:
        call()  # warm up
        t0 = pyperf.perf_counter()
        for _ in range(loops):
            call()
        return pyperf.perf_counter() - t0
    finally:
        case.cleanup()


def add_cmdline_args(cmd, args):
    if args.filter:
        cmd.extend(("--filter", args.filter))


def main():
    runner = pyperf.Runner(add_cmdline_args=add_cmdline_args)
    runner.argparser.add_argument("--filter", default="", help="substring of scenario names")
    args = runner.parse_args()
    results = {}
    for scenario in SCENARIOS:
        if args.filter and args.filter not in scenario.name:
            continue
        for label, module in MODULES.items():
            if label == "stock" and not scenario.stock:
                continue
            bench = runner.bench_time_func(
                f"{scenario.name}[{label}]", time_scenario, scenario.make, module
            )
            if bench is not None and not args.worker:
                results[(scenario.name, label)] = bench.median()
    if args.worker or not results:
        return
    print()
    print(f"{'scenario':<30} {'stock ns':>10} {'rselect ns':>11} {'ratio':>7}")
    for scenario in SCENARIOS:
        r = results.get((scenario.name, "rselect"))
        s = results.get((scenario.name, "stock"))
        if r is None:
            continue
        stock_ns = "-" if s is None else f"{s * 1e9:.0f}"
        ratio = "-" if s is None else f"{r / s:.3f}"
        print(f"{scenario.name:<30} {stock_ns:>10} {r * 1e9:>11.0f} {ratio:>7}")


if __name__ == "__main__":
    main()
