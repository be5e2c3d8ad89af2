"""``python -m rselect bench``: stock ``select`` and rselect side by side, with
the floor (the bare system calls, timed from Rust) in the same run.

For each scenario both implementations are set up on their own descriptors
and timed alternately (A B, then B A, ... for several passes; each sample is
a loop sized to last a few milliseconds), and the floor is sampled in
between. The table gives medians in nanoseconds per call, rselect's time
relative to stock, the spread of that ratio over the passes (min-max), and
how far each implementation sits above the floor.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from typing import Any, NamedTuple


class Settings(NamedTuple):
    passes: int  # timed passes per scenario, alternating the order
    sample_s: float  # length of one timed loop


QUICK = Settings(passes=9, sample_s=0.002)
FULL = Settings(passes=31, sample_s=0.005)


def _stock():
    from rselect._install import stock_module

    stock = stock_module("select")
    if stock is None:
        raise SystemExit("python -m rselect bench: this interpreter has no stock select module")
    return stock


def _per_call_ns(call, loops: int) -> float:
    t0 = time.perf_counter_ns()
    for _ in range(loops):
        call()
    return (time.perf_counter_ns() - t0) / loops


def measure(scenario, passes: int, sample_s: float) -> dict[str, Any]:
    import rselect
    from rselect import _rselect

    impls = {"rselect": rselect}
    if scenario.stock:
        impls = {"stock": _stock(), "rselect": rselect}
    cases = {}
    try:
        for label, module in impls.items():
            cases[label] = scenario.make(module)
        for case in cases.values():  # warm up (caches, lazily grown buffers)
            for _ in range(3):
                case.call()
        slowest = max(_per_call_ns(c.call, 3) for c in cases.values())
        loops = max(5, int(sample_s * 1e9 / max(slowest, 1.0)))
        floor_args = cases["rselect"].floor
        samples: dict[str, list[float]] = {label: [] for label in cases}
        floors: list[float] = []
        order = list(cases)
        for p in range(passes):
            for label in order if p % 2 == 0 else reversed(order):
                samples[label].append(_per_call_ns(cases[label].call, loops))
            if floor_args is not None and hasattr(_rselect, "_floor"):  # not on Windows
                floors.append(_rselect._floor(loops=loops, **floor_args))
    finally:
        for case in cases.values():
            case.cleanup()
    row: dict[str, Any] = {
        "scenario": scenario.name,
        "family": scenario.family,
        "n": scenario.n,
        "loops": loops,
        "passes": passes,
        "rselect_ns": statistics.median(samples["rselect"]),
        "floor_ns": statistics.median(floors) if floors else None,
        "target": scenario.target,
    }
    if "stock" in samples:
        ratios = [r / s for r, s in zip(samples["rselect"], samples["stock"], strict=True)]
        row["stock_ns"] = statistics.median(samples["stock"])
        row["ratio"] = row["rselect_ns"] / row["stock_ns"]
        row["spread"] = [min(ratios), max(ratios)]
    else:
        row["stock_ns"] = row["ratio"] = row["spread"] = None
    return row


class Progress:
    """A one-line progress bar on stderr (plain lines when it is not a tty)."""

    def __init__(self, total: int, estimate_s: float):
        self.total, self.done = total, 0
        self.started = time.monotonic()
        self.estimate_s = estimate_s
        self.tty = sys.stderr.isatty()
        print(f"{total} scenarios, about {estimate_s:.0f} s", file=sys.stderr)

    def step(self, name: str) -> None:
        elapsed = time.monotonic() - self.started
        if self.done:
            left = elapsed / self.done * (self.total - self.done)
        else:
            left = self.estimate_s
        width = 30
        filled = width * self.done // self.total
        bar = "#" * filled + "." * (width - filled)
        line = f"[{bar}] {self.done}/{self.total} {name:<28} ~{left:.0f} s left"
        if self.tty:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)
        self.done += 1

    def close(self) -> None:
        took = time.monotonic() - self.started
        end = "\r" + " " * 79 + "\r" if self.tty else ""
        print(f"{end}measured in {took:.0f} s", file=sys.stderr)


def _fmt(value: float | None, spec: str = ",.0f") -> str:
    return "-" if value is None else format(value, spec)


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'scenario':<30} {'n':>6} {'stock ns':>10} {'rselect ns':>10} {'ratio':>6}"
        f" {'spread':>11} {'floor ns':>9} {'stock-fl':>9} {'rsel-fl':>9}  target"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        floor = r["floor_ns"]
        over = [
            None if floor is None or v is None else v - floor
            for v in (r["stock_ns"], r["rselect_ns"])
        ]
        spread = "-" if r["spread"] is None else f"{r['spread'][0]:.2f}-{r['spread'][1]:.2f}"
        verdict = ""
        if r["ratio"] is not None and r["target"] is not None:
            ok = r["ratio"] <= r["target"]
            verdict = f"<={r['target']:.2f} {'ok' if ok else 'MISSED'}"
        lines.append(
            f"{r['scenario']:<30} {r['n']:>6} {_fmt(r['stock_ns']):>10} {_fmt(r['rselect_ns']):>10}"
            f" {_fmt(r['ratio'], '.2f'):>6} {spread:>11} {_fmt(floor):>9} {_fmt(over[0]):>9}"
            f" {_fmt(over[1]):>9}  {verdict}"
        )
    return "\n".join(lines)


def _windows_platform() -> tuple[str, str]:
    """(cpu, platform) on Windows without the platform module, whose WMI
    queries (3.12+) abort the process under wine 8 (propsys.VariantToString
    is not implemented there)."""
    v = sys.getwindowsversion()  # type: ignore[attr-defined,unused-ignore]
    cpu = os.environ.get("PROCESSOR_IDENTIFIER", "unknown CPU")
    return cpu, f"Windows-{v.major}.{v.minor}.{v.build}"


def machine() -> dict[str, Any]:
    if sys.platform == "win32":
        cpu, system = _windows_platform()
    else:
        cpu, system = platform.processor() or platform.machine(), platform.platform()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import rselect
    from rselect import _rselect

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": sys.version.split()[0],
        "implementation": sys.implementation.name,
        "platform": system,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "rselect": rselect.__version__,
        "build": _rselect._build_profile,
    }


def plot(rows: list[dict[str, Any]], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit(
            "python -m rselect bench --plot needs matplotlib: pip install 'rselect[plot]'"
        ) from None
    families: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        families.setdefault(r["family"], []).append(r)
    curves = {k: v for k, v in families.items() if len({r["n"] for r in v}) > 1}
    if not curves:
        raise SystemExit("--plot: no scenario family with more than one n was measured")
    cols = 3
    rows_n = (len(curves) + cols - 1) // cols
    fig, axes = plt.subplots(rows_n, cols, figsize=(5 * cols, 3.6 * rows_n), squeeze=False)
    for ax, (family, members) in zip(axes.flat, curves.items(), strict=False):
        members = sorted(members, key=lambda r: r["n"])
        ns = [r["n"] for r in members]
        for key, label, style, color in (
            ("stock_ns", "stock select", "o-", "C0"),
            ("rselect_ns", "rselect", "s-", "C1"),
            ("floor_ns", "floor (bare syscalls)", "^--", "C2"),
        ):
            pts = [(n, r[key]) for n, r in zip(ns, members, strict=True) if r[key] is not None]
            if pts:
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, style, color=color, label=label, markersize=4)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(family, fontsize=10)
        ax.set_xlabel("registered" if "registered" in family else "n")
        ax.set_ylabel("ns per call")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(curves) :]:
        ax.set_visible(False)
    info = machine()
    fig.suptitle(
        f"rselect vs stock select, CPython {info['python']}, {info['cpu']}, {info['date']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    from rselect._bench_scenarios import SCENARIOS, SKIPPED

    ap = argparse.ArgumentParser(
        prog="python -m rselect bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="a short run of the key scenarios")
    ap.add_argument("--filter", action="append", default=[], help="substring of scenario names")
    ap.add_argument("--json", metavar="FILE", help="write rows and machine facts as JSON")
    ap.add_argument("--plot", metavar="FILE.png", help="cost against n, log-log (matplotlib)")
    ap.add_argument("--passes", type=int, help="timed passes per scenario")
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = ap.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.passes:
        settings = settings._replace(passes=max(1, args.passes))
    chosen = [
        s
        for s in SCENARIOS
        if (not args.quick or s.quick or args.filter)
        and (not args.filter or any(f in s.name for f in args.filter))
    ]
    if args.list:
        for s in chosen:
            print(f"{s.name:<30} n={s.n:<7} {s.family}")
        return 0
    if not chosen:
        print("no scenario matches", file=sys.stderr)
        return 2
    per = settings.passes * settings.sample_s * 3 + 0.05
    progress = Progress(len(chosen), len(chosen) * per + 2)
    rows = []
    for scenario in chosen:
        progress.step(scenario.name)
        rows.append(measure(scenario, settings.passes, settings.sample_s))
    progress.close()
    info = machine()
    print(
        f"rselect {info['rselect']} ({info['build']}) vs stock select, CPython {info['python']},"
        f" {info['cpu']} ({info['cores']} cores), {info['date']}"
    )
    print(
        f"medians of {settings.passes} alternating passes; ratio = rselect time / stock time;"
        " floor = the same system calls timed from Rust"
    )
    print(table(rows))
    for what, why in SKIPPED:
        print(f"skipped: {what}: {why}")
    missed = [r for r in rows if r["ratio"] and r["target"] and r["ratio"] > r["target"]]
    if missed:
        print(f"targets missed: {len(missed)} of {sum(1 for r in rows if r['ratio'])}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "settings": settings._asdict(), "rows": rows}, f, indent=1)
    if args.plot:
        plot(rows, args.plot)
        print(f"plot written to {args.plot}")
    return 0
