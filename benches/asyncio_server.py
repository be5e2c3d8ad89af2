"""Server CPU per request of an asyncio echo server: stock, rselect, uvloop.

    python benches/asyncio_server.py [--conns 100] [--requests 200000] [--rounds 5]
    python benches/asyncio_server.py --instructions     # user-space instructions (callgrind)

The server runs in a process of its own, in one of three ways: the stock
modules, rselect installed (``python -m rselect run``, so that asyncio's
selector loop runs on ``rselect.selectors`` over ``rselect.epoll``), and uvloop
when it is installed (``make bench-asyncio`` tries to install it). A client
process (always stock asyncio) opens CONNS TCP connections over loopback, each
keeping one small message in flight, until the server has answered REQUESTS
messages in total. The server reports the CPU time (user + system,
``time.process_time()``) it spent from its first accepted connection to its
last answer, divided by the requests answered. The ways are run alternately,
ROUNDS times each, in fresh processes; the table gives the median and the
range. CPU per request, not throughput: client and server share the machine.

``--instructions`` counts the server's user-space instructions per request
instead, under ``valgrind --tool=callgrind`` (two runs per way, REQUESTS/4
and REQUESTS/20 requests; the difference divided by the difference in
requests cancels start-up): a count the machine's load does not move, where
the CPU times of a noisy machine differ by more than the few percent at
stake. Under valgrind the server is slower than its client, so each
``select()`` reports more events than in a real run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys

PAYLOAD = b"x" * 64


def server(requests: int, use_uvloop: bool) -> None:
    if use_uvloop:
        import uvloop

        uvloop.install()

    class Echo(asyncio.Protocol):
        def connection_made(self, transport):
            if state["started"] is None:
                state["started"] = os.times()
            self.transport = transport

        def data_received(self, data):
            self.transport.write(data)
            state["answered"] += 1
            if state["answered"] == requests:
                end, start = os.times(), state["started"]
                state["user"] = end.user - start.user
                state["system"] = end.system - start.system
                done.set_result(None)

    state = {"started": None, "answered": 0, "user": 0.0, "system": 0.0}

    async def main():
        nonlocal done
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        srv = await loop.create_server(Echo, "127.0.0.1", 0)
        print(srv.sockets[0].getsockname()[1], flush=True)
        await done
        srv.close()
        selector = getattr(loop, "_selector", None)
        impl = getattr(selector, "_selector", None)
        print(
            json.dumps(
                {
                    "cpu_s": state["user"] + state["system"],
                    "user_s": state["user"],
                    "requests": state["answered"],
                    "loop": type(loop).__module__ + "." + type(loop).__name__,
                    "selector": f"{type(selector).__module__}.{type(selector).__name__}",
                    "poller": _describe(impl),
                    "selectors_module": getattr(sys.modules.get("selectors"), "__name__", "-"),
                }
            ),
            flush=True,
        )

    done = None
    asyncio.run(main())


def _describe(impl) -> str:
    """``epoll (rselect)`` or ``epoll (stock)``: the type's name and module
    are the same in both modules (as they must be), its origin is not."""
    if impl is None:
        return "-"
    kind = type(impl)
    ours = sys.modules.get("rselect._rselect")
    mine = ours is not None and getattr(ours, kind.__name__, None) is kind
    return f"{kind.__name__} ({'rselect' if mine else 'stock'})"


def client(port: int, conns: int) -> None:
    class Client(asyncio.Protocol):
        def __init__(self, lost):
            self.lost = lost

        def connection_made(self, transport):
            self.transport = transport
            transport.write(PAYLOAD)

        def data_received(self, data):
            self.transport.write(PAYLOAD)

        def connection_lost(self, exc):
            if not self.lost.done():
                self.lost.set_result(None)

    async def main():
        loop = asyncio.get_running_loop()
        waits = []
        for _ in range(conns):
            lost = loop.create_future()
            await loop.create_connection(lambda f=lost: Client(f), "127.0.0.1", port)
            waits.append(lost)
        # The server closes the connections (it exits) after its last answer.
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)

    asyncio.run(main())


def one_run(way: str, requests: int, conns: int, callgrind: str | None = None) -> dict:
    me = os.path.abspath(__file__)
    role = ["--role", "server", "--requests", str(requests)]
    if way == "uvloop":
        role.append("--uvloop")
    prefix = [sys.executable, "-m", "rselect", "run"] if way == "rselect" else [sys.executable]
    if callgrind is not None:
        prefix = [
            "valgrind",
            "-q",
            "--tool=callgrind",
            f"--callgrind-out-file={callgrind}",
            *prefix,
        ]
    env = dict(os.environ)
    env.pop("RSELECT_INSTALL", None)
    srv = subprocess.Popen([*prefix, me, *role], stdout=subprocess.PIPE, text=True, env=env)
    try:
        port = int(srv.stdout.readline())
        cli = subprocess.Popen(
            [sys.executable, me, "--role", "client", "--port", str(port), "--conns", str(conns)],
            env=env,
        )
        row = json.loads(srv.stdout.readline())
        srv.wait(timeout=600)
        cli.wait(timeout=600)
    finally:
        for p in (srv,):
            if p.poll() is None:
                p.kill()
    return row


def has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def callgrind_total(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def instructions(args) -> int:
    import tempfile

    ways = ["stock", "rselect"] + (["uvloop"] if has_uvloop() else [])
    big, small = args.requests // 4, args.requests // 20
    print(
        f"asyncio echo server, user-space instructions per request (callgrind,"
        f" {args.conns} connections, ({big:,} - {small:,} requests); CPython"
        f" {sys.version.split()[0]})"
    )
    base = None
    for way in ways:
        counts = []
        with tempfile.TemporaryDirectory() as d:
            for n in (big, small):
                out = os.path.join(d, f"cg.{n}")
                one_run(way, n, args.conns, callgrind=out)
                counts.append(callgrind_total(out))
        per = (counts[0] - counts[1]) / (big - small)
        base = base or per
        print(f"  {way:<8} {per:10,.0f} instructions/request  {per / base:.3f}x stock")
    return 0


def compare(args) -> int:
    ways = ["stock", "rselect"] + (["uvloop"] if has_uvloop() else [])
    cpu: dict[str, list[float]] = {w: [] for w in ways}
    user: dict[str, list[float]] = {w: [] for w in ways}
    seen: dict[str, str] = {}
    for _ in range(args.rounds):
        for way in ways:
            row = one_run(way, args.requests, args.conns)
            cpu[way].append(row["cpu_s"] / row["requests"] * 1e6)
            user[way].append(row["user_s"] / row["requests"] * 1e6)
            seen[way] = (
                f"{row['loop']}, {row['selectors_module']}:{row['selector']} over {row['poller']}"
            )
    print(
        f"asyncio echo server CPU per request: {args.conns} connections, {args.requests:,}"
        f" requests a run, {args.rounds} runs each way, alternating (CPython"
        f" {sys.version.split()[0]})"
    )
    base = statistics.median(cpu["stock"])
    base_user = statistics.median(user["stock"])
    for way in ways:
        med, med_user = statistics.median(cpu[way]), statistics.median(user[way])
        print(
            f"  {way:<8} {med:6.2f} us/request  (runs {min(cpu[way]):.2f} .. {max(cpu[way]):.2f})"
            f"  {med / base:.3f}x stock; user space {med_user:5.2f} us"
            f" ({med_user / base_user:.3f}x)"
        )
    for way in ways:
        print(f"  {way:<8} {seen[way]}")
    if "uvloop" not in ways:
        print("  uvloop: not installed in this interpreter (make bench-asyncio tries pip)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--conns", type=int, default=100)
    ap.add_argument("--requests", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--instructions", action="store_true", help="callgrind counts instead")
    ap.add_argument("--role", choices=["server", "client"], help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--uvloop", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.role == "server":
        server(args.requests, args.uvloop)
        return 0
    if args.role == "client":
        client(args.port, args.conns)
        return 0
    if args.instructions:
        return instructions(args)
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
