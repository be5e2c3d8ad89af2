"""An asyncio echo server and its clients in one process: a real program that
runs unchanged on either ``select`` module.

    python benches/echo.py                      # on whatever `import select` gives
    python -m rselect run benches/echo.py       # the same program on rselect
    python benches/echo.py --compare            # both, alternately, side by side

The program opens CONNS TCP connections over loopback, each keeping one
message in flight, for SECONDS; it prints which ``select`` module the event
loop's selector came from and the round trips per second. ``--compare`` runs
it ROUNDS times each way (stock, then ``python -m rselect run``, alternately,
in fresh processes) and prints the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


class Client(asyncio.Protocol):
    def __init__(self, payload: bytes, stop_at: float, done: asyncio.Future):
        self.payload, self.stop_at, self.done = payload, stop_at, done
        self.pending = len(payload)
        self.round_trips = 0

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.payload)

    def data_received(self, data):
        self.pending -= len(data)
        if self.pending > 0:
            return
        self.round_trips += 1
        if time.perf_counter() >= self.stop_at:
            self.transport.close()
            return
        self.pending = len(self.payload)
        self.transport.write(self.payload)

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(self.round_trips)


async def run(conns: int, seconds: float, size: int) -> dict:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    stop_at = time.perf_counter() + seconds
    payload = b"x" * size
    waits = []
    for _ in range(conns):
        done = loop.create_future()
        await loop.create_connection(lambda d=done: Client(payload, stop_at, d), "127.0.0.1", port)
        waits.append(done)
    started = time.perf_counter()
    counts = await asyncio.gather(*waits)
    elapsed = time.perf_counter() - started
    server.close()
    await server.wait_closed()
    selector = getattr(loop, "_selector", None)
    impl = getattr(selector, "_selector", None)
    return {
        "select": sys.modules["select"].__name__,
        "selector": f"{type(selector).__name__} over {_describe(impl)}",
        "round_trips_per_s": sum(counts) / elapsed,
        "conns": conns,
    }


def _describe(impl) -> str:
    """``epoll (rselect)`` or ``epoll (stock)``: the type's name is the same
    in both modules (as it must be), its origin is not."""
    kind = type(impl)
    ours = sys.modules.get("rselect._rselect")
    mine = ours is not None and getattr(ours, kind.__name__, None) is kind
    origin = "rselect" if mine else "stock"
    return f"{kind.__name__} ({origin})"


def compare(args) -> int:
    program = [__file__, "--conns", str(args.conns), "--seconds", str(args.seconds), "--json"]
    ways = {
        "stock": [sys.executable, *program],
        "rselect": [sys.executable, "-m", "rselect", "run", *program],
    }
    results: dict[str, list[float]] = {k: [] for k in ways}
    seen: dict[str, str] = {}
    for _ in range(args.rounds):
        for name, cmd in ways.items():
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            row = json.loads(out)
            results[name].append(row["round_trips_per_s"])
            seen[name] = f"{row['select']} ({row['selector']})"
    print(
        f"asyncio echo, {args.conns} connections over TCP loopback, {args.seconds:g} s a run,"
        f" {args.rounds} runs each way, alternating"
    )
    for name in ways:
        print(f"  {name:<8} select = {seen[name]}")
    med = {k: statistics.median(v) for k, v in results.items()}
    for name in ways:
        lo, hi = min(results[name]), max(results[name])
        print(f"  {name:<8} {med[name]:>10,.0f} round trips/s  (runs {lo:,.0f} .. {hi:,.0f})")
    print(f"  rselect/stock throughput: {med['rselect'] / med['stock']:.2f}x")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--conns", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="one JSON line, for --compare")
    ap.add_argument("--compare", action="store_true", help="stock vs rselect, side by side")
    args = ap.parse_args()
    if args.compare:
        return compare(args)
    row = asyncio.run(run(args.conns, args.seconds, 64))
    if args.json:
        print(json.dumps(row))
    else:
        print(f"select module: {row['select']}; event loop selector: {row['selector']}")
        print(f"{row['round_trips_per_s']:,.0f} round trips/s over {row['conns']} connections")
    return 0


if __name__ == "__main__":
    sys.exit(main())
