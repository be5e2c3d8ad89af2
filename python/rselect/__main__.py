"""``python -m rselect info``: what this platform offers and what rselect lifts."""

from __future__ import annotations

import argparse
import sys


def info() -> int:
    import resource

    import rselect
    from rselect import _rselect

    try:
        import importlib

        stock = importlib.import_module("select") if not rselect.installed() else None
    except ImportError:
        stock = None
    facilities = [
        n for n in ("select", "poll", "epoll", "devpoll", "kqueue") if hasattr(_rselect, n)
    ]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

    def fmt(v):
        return "unlimited" if v == resource.RLIM_INFINITY else str(v)

    rows = [
        ("rselect version", rselect.__version__),
        (
            "build",
            f"{_rselect._build_profile}, {'abi3' if _rselect._abi3 else 'per-version'} wheel",
        ),
        ("interpreter", sys.version.split()[0] + f" ({sys.implementation.name})"),
        ("platform", sys.platform),
        ("facilities", ", ".join(facilities)),
        ("RLIMIT_NOFILE", f"soft {fmt(soft)}, hard {fmt(hard)}"),
        ("PIPE_BUF", str(_rselect.PIPE_BUF)),
        ("stock select() limit", "descriptors < 1024 (FD_SETSIZE), 1024 per list"),
        ("rselect select() limit", _select_limit()),
        ("installed as select", "yes" if rselect.installed() else "no"),
    ]
    if stock is not None:
        rows.append(("stock module", getattr(stock, "__file__", "built in")))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0


def _select_limit() -> str:
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/sys/fs/nr_open") as f:
                nr_open = int(f.read())
        except OSError:
            nr_open = 1 << 20
        return f"descriptors < {nr_open} (fs.nr_open), no per-list limit"
    return "descriptors < 1024 (FD_SETSIZE), 1024 per list (as stock)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rselect")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="facilities, limits, build and install state")
    args = parser.parse_args(argv)
    if args.command == "info":
        return info()
    return 2


if __name__ == "__main__":
    sys.exit(main())
