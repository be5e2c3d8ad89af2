"""``python -m rselect info``: what this platform offers and what rselect lifts."""

from __future__ import annotations

import argparse
import sys


def info() -> int:
    import rselect
    from rselect import _rselect
    from rselect._install import stock_module

    stock = stock_module("select")
    facilities = [
        n for n in ("select", "poll", "epoll", "devpoll", "kqueue") if hasattr(_rselect, n)
    ]
    rows = [
        ("rselect version", rselect.__version__),
        (
            "build",
            f"{_rselect._build_profile}, {'abi3' if _rselect._abi3 else 'per-version'} wheel",
        ),
        ("interpreter", sys.version.split()[0] + f" ({sys.implementation.name})"),
        ("platform", sys.platform),
        ("facilities", ", ".join(facilities)),
        ("RLIMIT_NOFILE", _nofile_limit()),
        # CPython's Windows module has no PIPE_BUF.
        ("PIPE_BUF", str(getattr(_rselect, "PIPE_BUF", "none (as stock on this platform)"))),
        ("stock select() limit", _stock_limit(stock)),
        ("rselect select() limit", _select_limit()),
        ("installed as select", "yes" if rselect.installed() else "no"),
        ("startup hook", _hook_state()),
    ]
    if stock is not None:
        rows.append(("stock module", getattr(stock, "__file__", "built in")))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0


def _nofile_limit() -> str:
    try:
        import resource
    except ImportError:  # Windows: sockets are handles, with no such limit
        return "none on this platform"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

    def fmt(v):
        return "unlimited" if v == resource.RLIM_INFINITY else str(v)

    return f"soft {fmt(soft)}, hard {fmt(hard)}"


def _stock_limit(stock) -> str:
    """FD_SETSIZE of the stock module, found the way its users meet it: the
    lowest descriptor that select() refuses with ValueError (no descriptor
    needs to be open for that). On Windows, where any socket value goes and
    FD_SETSIZE is a number of sockets per list, the shortest list refused."""
    if stock is None:
        return "stock module not available"
    if sys.platform == "win32":
        return _stock_limit_windows(stock)

    def refused(fd: int) -> bool:
        try:
            stock.select([fd], [], [], 0)
        except ValueError:
            return True
        except OSError:
            return False  # in range, just not open
        return False

    hi = _first_refused(refused, 0, 1 << 20)
    if hi is None:
        return "no FD_SETSIZE limit below 2**20"
    return f"descriptors < {hi} (FD_SETSIZE), {hi} per list"


def _first_refused(refused, lo: int, hi: int) -> int | None:
    """The least n in (lo, hi] that ``refused(n)``, by bisection (refusal is
    monotonic in n); None when even ``hi`` is accepted."""
    if not refused(hi):
        return None
    while lo + 1 < hi:  # refused(hi) and not refused(lo)
        mid = (lo + hi) // 2
        if refused(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _stock_limit_windows(stock) -> str:
    def refused(n: int) -> bool:
        # The list is counted before WinSock is called: no socket is needed
        # (with at most FD_SETSIZE items, select() fails on the non-socket:
        # an odd number is never a handle).
        try:
            stock.select([2147483647] * n, [], [], 0)
        except ValueError:
            return True
        except OSError:
            return False
        return False

    first = _first_refused(refused, 1, 1 << 16)
    if first is None:
        return "no FD_SETSIZE limit below 65536 sockets per list"
    return f"any socket, {first - 1} per list (FD_SETSIZE)"


def _hook_state() -> str:
    import os
    import site

    dirs = [*site.getsitepackages(), site.getusersitepackages()]
    found = [d for d in dirs if os.path.exists(os.path.join(d, "rselect-startup.pth"))]
    if not found:
        return "rselect-startup.pth not found in site-packages"
    env = os.environ.get("RSELECT_INSTALL", "")
    active = env not in ("", "0")
    state = "active (RSELECT_INSTALL set)" if active else "idle (RSELECT_INSTALL unset)"
    return f"{state}; {os.path.join(found[0], 'rselect-startup.pth')}"


def _select_limit() -> str:
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/sys/fs/nr_open") as f:
                nr_open = int(f.read())
        except OSError:
            nr_open = 1 << 20
        return f"descriptors < {nr_open} (fs.nr_open), no per-list limit"
    if sys.platform == "win32":
        return "any socket, no per-list limit"
    return "descriptors < 1024 (FD_SETSIZE), 1024 per list (as stock)"


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["run"]:
        # Not argparse: everything after the program goes to the program.
        from rselect import _run

        return _run.main(argv[1:])
    if argv[:1] == ["bench"]:
        from rselect import _bench

        return _bench.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m rselect")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="facilities, limits, build and install state")
    sub.add_parser(
        "run",
        help="run a program with rselect as select: run [--no-children] (-m mod | -c code | file)",
        add_help=False,
    )
    sub.add_parser("bench", help="stock select vs rselect vs the bare syscalls", add_help=False)
    args = parser.parse_args(argv)
    if args.command == "info":
        return info()
    return 2


if __name__ == "__main__":
    sys.exit(main())
