"""User-space instructions per call, stock ``select`` vs rselect (callgrind).

    python benches/instructions.py [--filter SUBSTRING ...] [--calls N]
    python benches/instructions.py --budget --check FILE   (make test-instructions)
    python benches/instructions.py --budget --write FILE   (a new baseline)

Instruction counts do not drift with machine load, so they are what
regressions are judged by. For each scenario and implementation the program
runs twice under ``valgrind --tool=callgrind`` (setup plus ``BASE`` calls,
then setup plus ``BASE + N`` calls); the difference divided by N is the cost
of one call with interpreter start-up and setup cancelled out. Kernel work is
not counted (callgrind sees user space only); the floor column of
``python -m rselect bench`` covers it.

``--budget`` measures the rows regressions are judged by: every scenario of
``python -m rselect bench`` with 1, 10 or 1,000 descriptors, the selectors
rows included. ``--check FILE`` compares them with a committed baseline
(``benches/instructions-baseline.json``, made on the interpreter it names)
and fails when a scenario's rselect count is more than ``tolerance`` above
the baseline's, or above stock's count in the same run, unless the baseline
lists the scenario under ``above_stock`` with the reason (open work). A new
baseline (``--write FILE``) is a deliberate commit, its reason in the
message.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

DEFAULT = [
    "select-int-idle-1",
    "select-int-ready-1000",
    "select-socket-ready-1000",
    "poll-idle-1",
    "poll-ready-10",
    "poll-ready-1000",
    "epoll-idle-1",
    "epoll-ready-10",
    "epoll-ready-1000",
    "poll-modify-poll-1000",
    "epoll-register-unregister",
]

CHILD = """
import sys
from rselect._bench_scenarios import BY_NAME
from rselect._install import stock_module
import rselect
name, impl, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
case = BY_NAME[name].make(rselect if impl == "rselect" else stock_module("select"))
call = case.call
for _ in range(calls):
    call()
case.cleanup()
"""

BASE = 20


def instructions(name: str, impl: str, calls: int) -> int:
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             sys.executable, "-c", CHILD, name, impl, str(calls)],
            capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )  # fmt: skip
    m = re.search(r"Collected : (\d+)", proc.stderr)
    if not m:
        raise RuntimeError(proc.stderr[-2000:])
    return int(m.group(1))


def budget_names() -> list[str]:
    from rselect._bench_scenarios import SCENARIOS

    return [s.name for s in SCENARIOS if s.n in (1, 10, 1000) or s.name.startswith("selectors-")]


def measure(names: list[str], calls: int, jobs: int) -> dict[str, dict[str, float]]:
    """``{name: {"stock": n, "rselect": n}}`` (no "stock" where it cannot run)."""
    from rselect._bench_scenarios import BY_NAME

    runs = [
        (name, impl)
        for name in names
        for impl in ("stock", "rselect")
        if impl == "rselect" or BY_NAME[name].stock
    ]

    def one(run: tuple[str, str]) -> float:
        name, impl = run
        lo = instructions(name, impl, BASE)
        hi = instructions(name, impl, BASE + calls)
        return (hi - lo) / calls

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        counts = list(pool.map(one, runs))
    rows: dict[str, dict[str, float]] = {name: {} for name in names}
    for (name, impl), count in zip(runs, counts, strict=True):
        rows[name][impl] = round(count)
    return rows


def check(rows: dict[str, dict[str, float]], baseline: dict) -> list[str]:
    """The budget's failures, one line each (empty: within budget)."""
    failures = []
    tolerance = baseline["tolerance"]
    above_stock = baseline.get("above_stock", {})
    for name, row in rows.items():
        ours, stock = row["rselect"], row.get("stock")
        base = baseline["rows"].get(name, {}).get("rselect")
        if base is None:
            failures.append(f"{name}: not in the baseline (rselect {ours:,})")
        elif ours > base * (1 + tolerance):
            failures.append(
                f"{name}: rselect {ours:,} is {ours / base - 1:+.1%} over the baseline's {base:,}"
            )
        if stock is not None and ours > stock and name not in above_stock:
            failures.append(f"{name}: rselect {ours:,} is above stock's {stock:,}")
    for name in above_stock:
        row = rows.get(name)
        if row is not None and row["rselect"] <= row.get("stock", 0):
            failures.append(f"{name}: now at or below stock: take it off above_stock")
    return failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--filter", action="append", default=[], help="substring of scenario names")
    ap.add_argument("--calls", type=int, default=500, help="calls measured (default 500)")
    ap.add_argument("--budget", action="store_true", help="the rows regressions are judged by")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="valgrind runs at once")
    ap.add_argument("--check", metavar="FILE", help="fail outside the baseline's budget")
    ap.add_argument("--write", metavar="FILE", help="write these counts as a new baseline")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (scripts/install-tools.sh installs it)", file=sys.stderr)
        return 2
    from rselect._bench_scenarios import SCENARIOS

    if args.budget:
        names = budget_names()
    elif args.filter:
        names = [s.name for s in SCENARIOS if any(f in s.name for f in args.filter)]
    else:
        names = DEFAULT
    version = sys.version.split()[0]
    baseline = None
    if args.check:
        with open(args.check) as f:
            baseline = json.load(f)
        if baseline["python"] != version or baseline["calls"] != args.calls:
            print(
                f"{args.check} was made on CPython {baseline['python']} with "
                f"{baseline['calls']} calls; this is {version} with {args.calls}",
                file=sys.stderr,
            )
            return 2
    print(f"user-space instructions per call (callgrind, {args.calls} calls, CPython {version})")
    rows = measure(names, args.calls, max(1, args.jobs))
    print(f"{'scenario':<36} {'stock':>12} {'rselect':>12} {'ratio':>6}")
    for name, row in rows.items():
        stock = row.get("stock")
        ratio = "-" if stock is None else f"{row['rselect'] / stock:.2f}"
        stock_s = "-" if stock is None else f"{stock:,}"
        print(f"{name:<36} {stock_s:>12} {row['rselect']:>12,} {ratio:>6}")
    if args.write:
        old = {}
        if os.path.exists(args.write):
            with open(args.write) as f:
                old = json.load(f)
        new = {
            "python": version,
            "calls": args.calls,
            "tolerance": old.get("tolerance", 0.02),
            "above_stock": {
                name: reason
                for name, reason in old.get("above_stock", {}).items()
                if name in rows and rows[name]["rselect"] > rows[name].get("stock", 0)
            },
            "rows": rows,
        }
        with open(args.write, "w") as f:
            json.dump(new, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"baseline written to {args.write}")
    if baseline is not None:
        failures = check(rows, baseline)
        for line in failures:
            print(f"BUDGET: {line}", file=sys.stderr)
        if failures:
            return 1
        print(f"instruction budget: {len(rows)} scenarios within {args.check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
