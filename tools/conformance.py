"""Conformance: CPython's own tests, stock ``select`` vs rselect, per interpreter.

Usage: python tools/conformance.py [--python PY ...] [--suite NAME ...]

For every interpreter (a venv python with rselect installed), every test suite
runs twice in fresh processes: once with the stock modules, once with rselect
installed as ``select`` and ``rselect.selectors`` as ``selectors`` by the
startup hook (RSELECT_INSTALL=1, which reaches
the subprocesses the tests start, ``python -E`` and ``-I`` ones included). A
test that passes with stock and does not pass with rselect is a failure, named.
Tests that fail with stock too are listed. Each rselect-mode process appends
itself to a swap log; a process that ran on the stock module, or a suite that
starts children none of which logged itself, fails the run; so does a suite
marked ``selectors=True`` whose ``selectors`` was not ``rselect.selectors``.

A package suite (``test_asyncio``) is split by module over concurrent runner
processes (``Suite.shards``) in both modes. A test that passed with stock and
not with rselect is run once more on its own, as regrtest's ``--rerun`` does:
if it passes then it is printed as ``flaky`` (named, never hidden) and does
not fail the run; if it fails again it is a regression.
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
from typing import NamedTuple

HERE = Path(__file__).resolve().parent


class Suite(NamedTuple):
    names: list[str]  # what unittest's loader is given
    min_procs: int  # processes that must log the swap (the runners and children)
    shards: int = 1  # a package split by module over this many concurrent runners
    selectors: bool = False  # the suite goes through `selectors`: check it was ours


SUITES: dict[str, Suite] = {
    "test_select": Suite(["test.test_select"], 2),  # test_select starts `python -I`
    "test_poll": Suite(["test.test_poll"], 1),
    "test_epoll": Suite(["test.test_epoll"], 1),
    "test_selectors": Suite(["test.test_selectors"], 1, selectors=True),
    # The select part of test_eintr, test by test, and the whole of test_eintr
    # the way CPython runs it (_test_eintr.py in a `python -E` child).
    "test_eintr_select": Suite(["test._test_eintr.SelectEINTRTest"], 1),
    "test_eintr": Suite(["test.test_eintr"], 2),
    # The stdlib's consumers of select/selectors, their child processes
    # included: each process must log that it ran on rselect (min_procs).
    "test_socketserver": Suite(["test.test_socketserver"], 1, selectors=True),
    "test_subprocess": Suite(["test.test_subprocess"], 10, selectors=True),
    "test_asyncio": Suite(["test.test_asyncio"], 4, shards=2, selectors=True),
    # The modules of test_asyncio that drive the selector event loop (the
    # default loop on Unix) over sockets, pipes and subprocesses: what
    # interpreters between the oldest and the newest run, within CI's budget.
    "test_asyncio_selector": Suite(
        [
            f"test.test_asyncio.{m}"
            for m in (
                "test_selector_events",
                "test_events",
                "test_sock_lowlevel",
                "test_unix_events",
                "test_subprocess",
                "test_streams",
                "test_base_events",
                "test_sendfile",
            )
        ],
        4,
        shards=2,
        selectors=True,
    ),
}
DEFAULT_SUITES = [s for s in SUITES if s != "test_asyncio_selector"]


def run_mode(
    python: str, names: list[str], mode: str, log: Path | None, shards: int = 1
) -> dict[str, str]:
    """Run ``names`` in ``shards`` concurrent processes; merged outcomes."""
    if shards > 1:
        names = expand(python, names)
    groups = [names[i::shards] for i in range(shards)] if shards > 1 else [names]
    env = dict(os.environ)
    env.pop("RSELECT_INSTALL", None)
    env.pop("RSELECT_SWAP_LOG", None)
    if mode == "rselect":
        env["RSELECT_INSTALL"] = "1"
        env["RSELECT_SWAP_LOG"] = str(log)
    with tempfile.TemporaryDirectory() as d:
        procs = []
        for n, group in enumerate(groups):
            out, console = Path(d) / f"{n}.json", Path(d) / f"{n}.log"
            cmd = [python, str(HERE / "run_cpython_tests.py"), "--mode", mode, "--out", str(out)]
            with console.open("w") as f:
                proc = subprocess.Popen(
                    [*cmd, *group],
                    env=env,
                    stdout=f,
                    stderr=subprocess.STDOUT,
                    cwd=tempfile.gettempdir(),
                )
            procs.append((proc, out, console, group))
        merged: dict[str, str] = {}
        for proc, out, console, group in procs:
            try:
                code = proc.wait(timeout=1200)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            if code != 0 or not out.exists() or out.stat().st_size == 0:
                for other, *_ in procs:  # no runner left behind
                    if other.poll() is None:
                        other.kill()
                        other.wait()
                sys.stdout.write(console.read_text(errors="replace")[-4000:])
                raise RuntimeError(f"{mode} run of {group} exited with {code}")
            outcomes = json.loads(out.read_text())
            for which in ("__select__", "__selectors__"):
                if merged.get(which, outcomes[which]) != outcomes[which]:
                    outcomes[which] = "mixed"
            merged.update(outcomes)
        return merged


def rerun(python: str, tests: list[str], log: Path) -> dict[str, str]:
    """Each test id once more with rselect, in one process; outcomes, or {}
    when the ids cannot be loaded (setUpClass errors and the like)."""
    try:
        return run_mode(python, tests, "rselect", log)
    except RuntimeError:
        return {}


def expand(python: str, names: list[str]) -> list[str]:
    """A test package's ``test_*`` modules (a module stays itself), largest
    first (so that the round-robin split gives shards of similar length)."""
    code = (
        "import importlib, os, sys\n"
        "for name in sys.argv[1:]:\n"
        "    pkg = importlib.import_module(name)\n"
        "    if not hasattr(pkg, '__path__'):\n"
        "        print(os.path.getsize(pkg.__file__), name)\n"
        "        continue\n"
        "    d = os.path.dirname(pkg.__file__)\n"
        "    for f in os.listdir(d):\n"
        "        p = os.path.join(d, f)\n"
        "        if f.startswith('test_') and (f.endswith('.py') or os.path.isdir(p)):\n"
        "            size = os.path.getsize(p) if f.endswith('.py') else 0\n"
        "            print(size, name + '.' + f.removesuffix('.py'))\n"
    )
    out = subprocess.check_output([python, "-c", code, *names], text=True)
    rows = [line.split() for line in out.splitlines()]
    return [name for _size, name in sorted(rows, key=lambda r: (-int(r[0]), r[1]))]


def check_swap(
    label: str,
    stock: dict[str, str],
    ours: dict[str, str],
    lines: list[str],
    uses_selectors: bool,
    min_procs: int,
) -> list[str]:
    """The failures of one suite's swap checks: ``select`` (and, for a suite
    that uses it, ``selectors``) was rselect's in the rselect run and the
    stock one in the other, and at least ``min_procs`` processes logged the
    swap (``lines``: the swap log), all of them on rselect. Takes the
    ``__select__``/``__selectors__`` markers out of both outcome maps."""
    failures = []
    if ours.get("__select__") != "rselect._rselect" or stock.get("__select__") != "select":
        failures.append(f"{label}: the swap did not happen as asked")
    if uses_selectors and (
        ours.get("__selectors__") != "rselect.selectors"
        or stock.get("__selectors__") != "selectors"
    ):
        failures.append(
            f"{label}: selectors was {ours.get('__selectors__')!r} with rselect"
            f" and {stock.get('__selectors__')!r} with stock"
        )
    bad = [ln for ln in lines if not ln.rstrip().endswith(" rselect._rselect")]
    if bad or len({ln.split()[0] for ln in lines}) < min_procs:
        failures.append(
            f"{label}: {len(lines)} process(es) logged the swap, {min_procs} expected;"
            f" not on rselect: {bad}"
        )
    for which in ("__select__", "__selectors__"):
        stock.pop(which, None)
        ours.pop(which, None)
    return failures


def version_of(python: str) -> str:
    return subprocess.check_output(
        [python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], text=True
    ).strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--python", action="append", required=True, help="interpreter(s) to test")
    ap.add_argument("--suite", action="append", choices=list(SUITES), help="default: all")
    ap.add_argument(
        "--asyncio-everywhere",
        action="store_true",
        help="the whole test_asyncio on every interpreter; by default only the first and the"
        " last --python run it whole, the others its selector-loop modules"
        " (test_asyncio_selector)",
    )
    args = ap.parse_args()
    default = args.suite is None

    failures: list[str] = []
    total_compared = 0
    ends = {args.python[0], args.python[-1]}
    for python in args.python:
        suites = args.suite or DEFAULT_SUITES
        if default and not args.asyncio_everywhere and python not in ends:
            suites = ["test_asyncio_selector" if s == "test_asyncio" else s for s in suites]
        # Absolute, but not resolved: a venv's python is a symlink that must
        # stay inside the venv.
        python = os.path.abspath(python)
        version = version_of(python)
        for suite in suites:
            names, min_procs, shards, uses_selectors = SUITES[suite]
            started = time.monotonic()
            stock = run_mode(python, names, "stock", None, shards)
            with tempfile.TemporaryDirectory() as d:
                log = Path(d) / "swap.log"
                ours = run_mode(python, names, "rselect", log, shards)
                regressions = sorted(
                    t
                    for t, o in stock.items()
                    if o == "passed" and ours.get(t) != "passed" and not t.startswith("__")
                )
                # A test that failed with rselect runs once more on its own
                # (as regrtest's --rerun does); one that passes then is
                # reported as flaky, not hidden, and does not fail the run.
                flaky: list[str] = []
                if regressions and len(regressions) <= 50:
                    again = rerun(python, regressions, log)
                    flaky = [t for t in regressions if again.get(t) == "passed"]
                    regressions = [t for t in regressions if t not in flaky]
                lines = log.read_text().splitlines() if log.exists() else []
            label = f"{version} {suite}"
            failures += check_swap(label, stock, ours, lines, uses_selectors, min_procs)
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
            for t in flaky:
                print(f"    flaky: {t}: stock passed, rselect {ours.get(t)}, then passed on rerun")
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
