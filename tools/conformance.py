"""Conformance: CPython's own tests, stock ``select`` vs rselect, per interpreter.

Usage: python tools/conformance.py [--python PY ...] [--suite NAME ...]

For every interpreter (a venv python with rselect installed), every test suite
runs twice in fresh processes: once with the stock module, once with rselect
installed as ``select`` by the startup hook (RSELECT_INSTALL=1, which reaches
the subprocesses the tests start, ``python -E`` and ``-I`` ones included). A
test that passes with stock and does not pass with rselect is a failure, named.
Tests that fail with stock too are listed. Each rselect-mode process appends
itself to a swap log; a process that ran on the stock module, or a suite that
starts children none of which logged itself, fails the run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> (unittest names, minimum number of processes that must log the swap)
SUITES: dict[str, tuple[list[str], int]] = {
    "test_select": (["test.test_select"], 2),  # test_select starts `python -I`
    "test_poll": (["test.test_poll"], 1),
    "test_epoll": (["test.test_epoll"], 1),
    "test_selectors": (["test.test_selectors"], 1),
    # The select part of test_eintr, test by test, and the whole of test_eintr
    # the way CPython runs it (_test_eintr.py in a `python -E` child).
    "test_eintr_select": (["test._test_eintr.SelectEINTRTest"], 1),
    "test_eintr": (["test.test_eintr"], 2),
}
DEFAULT_SUITES = list(SUITES)


def run_once(python: str, names: list[str], mode: str, log: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("RSELECT_INSTALL", None)
    env.pop("RSELECT_SWAP_LOG", None)
    if mode == "rselect":
        env["RSELECT_INSTALL"] = "1"
        env["RSELECT_SWAP_LOG"] = str(log)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = Path(tmp.name)
    try:
        proc = subprocess.run(
            [python, str(HERE / "run_cpython_tests.py"), "--mode", mode, "--out", str(out), *names],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=1200,
            cwd=tempfile.gettempdir(),
        )
        if proc.returncode != 0 or out.stat().st_size == 0:
            sys.stdout.write(proc.stdout[-4000:])
            raise RuntimeError(f"{mode} run of {names} exited with {proc.returncode}")
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def version_of(python: str) -> str:
    return subprocess.check_output(
        [python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], text=True
    ).strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--python", action="append", required=True, help="interpreter(s) to test")
    ap.add_argument("--suite", action="append", choices=list(SUITES), help="default: all")
    args = ap.parse_args()
    suites = args.suite or DEFAULT_SUITES

    failures: list[str] = []
    total_compared = 0
    for python in args.python:
        # Absolute, but not resolved: a venv's python is a symlink that must
        # stay inside the venv.
        python = os.path.abspath(python)
        version = version_of(python)
        for suite in suites:
            names, min_procs = SUITES[suite]
            started = time.monotonic()
            stock = run_once(python, names, "stock", None)
            with tempfile.TemporaryDirectory() as d:
                log = Path(d) / "swap.log"
                ours = run_once(python, names, "rselect", log)
                lines = log.read_text().splitlines() if log.exists() else []
            label = f"{version} {suite}"
            bad = [ln for ln in lines if not ln.endswith(" rselect._rselect")]
            if ours.get("__select__") != "rselect._rselect" or stock.get("__select__") != "select":
                failures.append(f"{label}: the swap did not happen as asked")
            if bad or len({ln.split()[0] for ln in lines}) < min_procs:
                failures.append(
                    f"{label}: {len(lines)} process(es) logged the swap, {min_procs} expected;"
                    f" not on rselect: {bad}"
                )
            stock.pop("__select__", None)
            ours.pop("__select__", None)
            regressions = sorted(
                t for t, o in stock.items() if o == "passed" and ours.get(t) != "passed"
            )
            stock_bad = sorted(t for t, o in stock.items() if o in ("failed", "error"))
            counts: dict[str, int] = {}
            for o in ours.values():
                counts[o] = counts.get(o, 0) + 1
            total_compared += len(stock)
            summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            took = time.monotonic() - started
            status = "FAIL" if regressions else "ok"
            print(f"[{status}] {label}: {len(stock)} tests; rselect: {summary} ({took:.1f}s)")
            for t in regressions:
                failures.append(f"{label}: {t}: stock passed, rselect {ours.get(t, 'missing')}")
            for t in stock_bad:
                print(f"    fails with stock too: {t} ({stock[t]}; rselect: {ours.get(t)})")
    print()
    for f in failures:
        print("  " + f)
    # The closing line counts CPython tests compared; failed = regressions and
    # swap problems.
    print(f"conformance: {total_compared - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
