"""Smoke test of an installed rselect wheel (not of the checkout).

    python scripts/smoke-wheel.py [--version X.Y.Z] [--run-prefix "CMD ARGS"]

The release workflow (.github/workflows/release.yml) runs it on every runner
after installing one wheel into a fresh virtual environment. Run as a file, its
directory (scripts/) is first on sys.path, not the checkout's python/, so the
import below is the installed package. Checks: the compiled module is the one
built for this interpreter (no abi3, no `testing` feature), it has the same
optional interfaces as the stock select module here, select() on a socketpair,
poll/epoll/kqueue where they exist, selectors, install()/uninstall(), the
startup hook's .pth file, and on a free-threaded build that importing it left
the GIL disabled. Also run by scripts/check-install.sh (x86_64 wheels, fresh
venvs) and scripts/check-wheels.sh (win_amd64 under wine, aarch64 under
qemu-user: --run-prefix is then the qemu command its child process needs, as
qemu-user cannot start a foreign executable on its own).
"""

import argparse
import os
import select as stock
import shlex
import socket
import subprocess
import sys
import sysconfig

import rselect
import rselect._rselect as ext
from rselect import selectors

TIMEOUT = 5.0  # a socketpair on Windows is a TCP loopback: data may take a moment


def check(cond: bool, what: str) -> None:
    if not cond:
        sys.exit(f"smoke-wheel: FAILED: {what}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", help="the version the wheel must report")
    parser.add_argument(
        "--run-prefix", default="", help="the command that runs this interpreter's child"
    )
    args = parser.parse_args()

    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    check(
        not os.path.abspath(rselect.__file__).startswith(os.path.join(checkout, "python")),
        f"imported the checkout ({rselect.__file__}), not an installed wheel",
    )
    if args.version:
        check(rselect.__version__ == args.version, f"version {rselect.__version__}")

    # Built for this interpreter: per-version (free-threaded too), never abi3.
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    name = os.path.basename(ext.__file__)
    check(ext.__file__.endswith(suffix), f"{name} is not a {suffix} build")
    # The test-only feature must never reach a release wheel.
    check(not hasattr(ext, "_testing"), "built with the `testing` feature")
    # The drop-in rule: the stock module's optional names, and no others.
    for name in ("poll", "epoll", "kqueue", "kevent", "devpoll"):
        check(hasattr(rselect, name) == hasattr(stock, name), f"select.{name} differs from stock")

    a, b = socket.socketpair()
    with a, b:
        b.send(b"x")
        check(rselect.select([a], [], [], TIMEOUT) == ([a], [], []), "select() readable")
        check(rselect.select([], [a], [], TIMEOUT) == ([], [a], []), "select() writable")
        fd = a.fileno()
        if hasattr(rselect, "poll"):
            p = rselect.poll()
            p.register(a, rselect.POLLIN)
            check(p.poll(TIMEOUT * 1000) == [(fd, rselect.POLLIN)], "poll()")
        if hasattr(rselect, "epoll"):
            with rselect.epoll() as ep:
                ep.register(a, rselect.EPOLLIN)
                check(ep.poll(TIMEOUT) == [(fd, rselect.EPOLLIN)], "epoll()")
        if hasattr(rselect, "kqueue"):
            with rselect.kqueue() as kq:
                ev = rselect.kevent(fd, rselect.KQ_FILTER_READ, rselect.KQ_EV_ADD)
                events = kq.control([ev], 1, TIMEOUT)
                check(len(events) == 1 and events[0].ident == fd, "kqueue()")
        with selectors.DefaultSelector() as sel:
            sel.register(a, selectors.EVENT_READ, "data")
            ready = [(key.fd, key.data, ev) for key, ev in sel.select(TIMEOUT)]
            check(ready == [(fd, "data", selectors.EVENT_READ)], "selectors")

    rselect.install()
    import select

    check(select is ext and rselect.installed(), "install()")
    rselect.uninstall()
    check(not rselect.installed(), "uninstall()")

    # The opt-in startup hook: its .pth file, and a child process it swaps.
    pth = os.path.join(sysconfig.get_paths()["purelib"], "rselect-startup.pth")
    check(os.path.exists(pth), f"no startup hook at {pth}")
    child = subprocess.run(
        [
            *shlex.split(args.run_prefix),
            sys.executable,
            "-c",
            "import rselect, sys; sys.exit(not rselect.installed())",
        ],
        env={**os.environ, "RSELECT_INSTALL": "1"},
    )
    check(child.returncode == 0, "RSELECT_INSTALL=1 did not install rselect at startup")

    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    if free_threaded:
        # A module without gil_used = false would have turned the GIL back on.
        check(not sys._is_gil_enabled(), "importing rselect re-enabled the GIL")

    build = "free-threaded" if free_threaded else "GIL"
    print(
        f"smoke-wheel: rselect {rselect.__version__} OK on Python "
        f"{sys.version.split()[0]} ({build}, {sysconfig.get_platform()}): "
        f"{os.path.basename(ext.__file__)}"
    )


if __name__ == "__main__":
    main()
