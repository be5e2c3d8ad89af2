"""Conformance under wine: CPython's own tests, stock ``select`` vs rselect, on
the Windows CPythons of ``scripts/windows-env.sh``.

Usage: python tools/windows_conformance.py [--version 3.X ...] [--suite NAME ...]

Run by a Linux python; each suite runs in the Windows CPython (through
``scripts/windows-env.sh python``) twice, in fresh processes, with
``tools/run_cpython_tests.py``: once with the stock modules, once with rselect
installed as ``select`` and ``rselect.selectors`` as ``selectors`` by the
startup hook (RSELECT_INSTALL=1; rselect must already be in that CPython's
site-packages: ``scripts/windows-env.sh install``). A test that passes with
stock and does not pass with rselect fails the run, named; so does a run that
did not happen on the module it was meant for (checked as tools/conformance.py
does: the runner's own record and the startup hook's swap log), and a run
that does not finish within its time limit. Tests that fail with stock too are
listed.

The suites are the Windows share of tools/conformance.py's: test_select is
left out (CPython skips its whole class on Windows, "can't easily test on
this system": tests_windows/ covers select() there), and of test_asyncio only
the selector event loop's tests run (the whole package does not finish under
wine: a Proactor test hangs).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from conformance import check_swap  # tools/ is this script's sys.path[0]

HERE = Path(__file__).resolve().parent
ENV_SH = HERE.parent / "scripts" / "windows-env.sh"
VERSIONS = ["3.10", "3.11", "3.12", "3.13"]


class Suite(NamedTuple):
    names: list[str]  # what unittest's loader is given
    timeout: float  # seconds, per mode
    selectors: bool = False  # the suite goes through `selectors`: check it was ours


SUITES: dict[str, Suite] = {
    "test_selectors": Suite(["test.test_selectors"], 120, selectors=True),
    "test_socketserver": Suite(["test.test_socketserver"], 120, selectors=True),
    "test_selector_events": Suite(["test.test_asyncio.test_selector_events"], 120),
    "test_events.SelectEventLoopTests": Suite(
        ["test.test_asyncio.test_events.SelectEventLoopTests"], 180, selectors=True
    ),
    "test_sock_lowlevel.SelectEventLoopTests": Suite(
        ["test.test_asyncio.test_sock_lowlevel.SelectEventLoopTests"], 120, selectors=True
    ),
}


def winpath(path: Path) -> str:
    return subprocess.check_output([str(ENV_SH), "winpath", str(path)], text=True).strip()


class Run(NamedTuple):
    proc: subprocess.Popen
    out: Path
    console: Path
    started: float


def start(version: str, names: list[str], mode: str, work: Path, log: Path) -> Run:
    env = dict(os.environ)
    for k in ("RSELECT_INSTALL", "RSELECT_SWAP_LOG", "RSELECT_WINE_PYTHONPATH"):
        env.pop(k, None)
    if mode == "rselect":
        env["RSELECT_INSTALL"] = "1"
        env["RSELECT_SWAP_LOG"] = winpath(log)
    out, console = work / f"{mode}.json", work / f"{mode}.log"
    cmd = [
        str(ENV_SH), "python", version, winpath(HERE / "run_cpython_tests.py"),
        "--mode", mode, "--out", winpath(out), *names,
    ]  # fmt: skip
    with console.open("w") as f:
        # Its own process group, so that a time limit ends wine's client too.
        proc = subprocess.Popen(
            cmd, env=env, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
            cwd=work, start_new_session=True,
        )  # fmt: skip
    return Run(proc, out, console, time.monotonic())


def finish(run: Run, timeout: float, label: str) -> dict[str, str]:
    left = max(1.0, timeout - (time.monotonic() - run.started))
    try:
        code = run.proc.wait(timeout=left)
    except subprocess.TimeoutExpired:
        os.killpg(run.proc.pid, signal.SIGKILL)
        run.proc.wait()
        tail = run.console.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{label}: did not finish within {timeout:.0f} s\n{tail}") from None
    if code != 0 or not run.out.exists() or run.out.stat().st_size == 0:
        tail = run.console.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{label}: the runner exited with {code}\n{tail}")
    return json.loads(run.out.read_text(encoding="utf-8"))


def compare(version: str, suite: str, failures: list[str]) -> int:
    names, timeout, uses_selectors = SUITES[suite]
    label = f"{version} {suite}"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rselect-wconf-") as d:
        work = Path(d)
        log = work / "swap.log"
        (work / "stock").mkdir()
        (work / "rselect").mkdir()
        # The two modes at once: each is mostly wine starting and waiting.
        runs = {m: start(version, names, m, work / m, log) for m in ("stock", "rselect")}
        results: dict[str, dict[str, str]] = {}
        for mode, run in runs.items():
            try:
                results[mode] = finish(run, timeout, f"{label} ({mode})")
            except RuntimeError as e:
                failures.append(str(e).splitlines()[0])
                print(f"[FAIL] {e}")
        if len(results) < 2:
            for run in runs.values():
                if run.proc.poll() is None:
                    os.killpg(run.proc.pid, signal.SIGKILL)
                    run.proc.wait()
            return 0
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    stock, ours = results["stock"], results["rselect"]
    failures += check_swap(label, stock, ours, lines, uses_selectors, 1)
    regressions = sorted(t for t, o in stock.items() if o == "passed" and ours.get(t) != "passed")
    stock_bad = sorted(t for t, o in stock.items() if o in ("failed", "error"))
    counts: dict[str, int] = {}
    for o in ours.values():
        counts[o] = counts.get(o, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    took = time.monotonic() - started
    status = "FAIL" if regressions else "ok"
    print(f"[{status}] {label}: {len(stock)} tests; rselect: {summary} ({took:.1f}s)", flush=True)
    for t in regressions:
        failures.append(f"{label}: {t}: stock passed, rselect {ours.get(t, 'missing')}")
    for t in stock_bad:
        print(f"    fails with stock too: {t} ({stock[t]}; rselect: {ours.get(t)})")
    if not stock:
        failures.append(f"{label}: no test ran")
    return len(stock)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--version", action="append", choices=VERSIONS, help="default: all")
    ap.add_argument("--suite", action="append", choices=list(SUITES), help="default: all")
    args = ap.parse_args()
    failures: list[str] = []
    total = 0
    for version in args.version or VERSIONS:
        for suite in args.suite or list(SUITES):
            total += compare(version, suite, failures)
    print()
    for f in failures:
        print("  " + f)
    print(f"windows conformance: {total} CPython tests compared, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
