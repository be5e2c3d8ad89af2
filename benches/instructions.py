"""User-space instructions per call, stock ``select`` vs rselect (callgrind).

    python benches/instructions.py [--filter SUBSTRING ...] [--calls N]

Instruction counts do not drift with machine load, so they are what
regressions are judged by. For each scenario and implementation the program
runs twice under ``valgrind --tool=callgrind`` (setup plus ``BASE`` calls,
then setup plus ``BASE + N`` calls); the difference divided by N is the cost
of one call with interpreter start-up and setup cancelled out. Kernel work is
not counted (callgrind sees user space only); the floor column of
``python -m rselect bench`` covers it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--filter", action="append", default=[], help="substring of scenario names")
    ap.add_argument("--calls", type=int, default=500, help="calls measured (default 500)")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (scripts/setup-tools.sh installs it)", file=sys.stderr)
        return 2
    from rselect._bench_scenarios import SCENARIOS

    if args.filter:
        names = [s.name for s in SCENARIOS if any(f in s.name for f in args.filter)]
    else:
        names = DEFAULT
    version = sys.version.split()[0]
    print(f"user-space instructions per call (callgrind, {args.calls} calls, CPython {version})")
    print(f"{'scenario':<30} {'stock':>12} {'rselect':>12} {'ratio':>6}")
    from rselect._bench_scenarios import BY_NAME

    for name in names:
        per = {}
        for impl in ("stock", "rselect"):
            if impl == "stock" and not BY_NAME[name].stock:
                continue
            lo = instructions(name, impl, BASE)
            hi = instructions(name, impl, BASE + args.calls)
            per[impl] = (hi - lo) / args.calls
        stock = per.get("stock")
        ratio = "-" if stock is None else f"{per['rselect'] / stock:.2f}"
        stock_s = "-" if stock is None else f"{stock:,.0f}"
        print(f"{name:<30} {stock_s:>12} {per['rselect']:>12,.0f} {ratio:>6}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
