"""Driving a run: episodes, replay, minimisation, repro files, the
command line."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import faulthandler
import hashlib
import json
import math
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.fds import Pool, reserve_block
from tools.fuzz.common import (
    APIS,
    BLOCK,
    DEFAULT_OUT,
    INF,
    KINDS,
    KNOWN,
    NAN,
    Divergence,
    Impl,
    Session,
    _on_alarm,
    show,
)
from tools.fuzz.epoll_api import (
    EpollNewSession,
    EpollSession,
)
from tools.fuzz.kevent_api import (
    KeventSession,
)
from tools.fuzz.poll_api import (
    PollSession,
)
from tools.fuzz.select_api import (
    SelectSession,
)
from tools.fuzz.selectors_api import (
    SelectorsSession,
)

SESSIONS: dict[str, type[Session]] = {
    "select": SelectSession,
    "poll": PollSession,
    "epoll": EpollSession,
    "epoll_new": EpollNewSession,
    "selectors": SelectorsSession,
    "kevent": KeventSession,
}


def available(api: str, impl: Impl) -> str | None:
    """None if the API can be fuzzed here, else why not."""
    if api in ("poll",) and not hasattr(impl.stock, "poll"):
        return "no poll on this platform"
    if api in ("epoll", "epoll_new") and not hasattr(impl.stock, "epoll"):
        return "no epoll on this platform"
    if api == "kevent":
        if not hasattr(impl.ours, "kevent"):
            return (
                "rselect exposes no kevent on this platform (Linux: neither does the stock "
                "module); its portable kevent is checked by tests_portable/ on a test build"
            )
        if not hasattr(impl.stock, "kevent"):
            return "the stock module has no kevent to compare with"
    return None


# -- driving -------------------------------------------------------------------------


class Env:
    """Process-wide resources of a run: the pool's block, the regular file,
    the guard's signal handler."""

    def __init__(self):
        fd, self.path = tempfile.mkstemp(prefix="rselect-fuzz-")
        os.close(fd)
        self.base = reserve_block(BLOCK, 80)
        self.old_handler = signal.signal(signal.SIGALRM, _on_alarm)

    def pool(self) -> Pool:
        if os.stat(self.path).st_size > 1 << 20:
            os.truncate(self.path, 0)
        return Pool(KINDS, base=self.base, path=self.path, sentinel=True)

    def close(self):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.old_handler)
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def replay(api: str, ops: list, impl: Impl, env: Env, target=None) -> Divergence | None:
    """Run `ops` on fresh objects: the first divergence, if any (known ones
    are passed over unless they have the `target` signature)."""
    pool = env.pool()
    session = SESSIONS[api](impl, pool)
    try:
        for i, op in enumerate(ops):
            d = session.apply(op, i)
            if d is not None and (d.known is None or d.signature == target):
                return d
        return None
    finally:
        session.close()
        pool.close_all()


def confirm(api, ops, d: Divergence, impl, env, tries: int = 3) -> bool:
    """Whether replaying `ops` diverges again the same way (at the same step)."""
    for _ in range(tries):
        again = replay(api, ops, impl, env, d.signature)
        if again is not None and again.signature == d.signature and again.index == d.index:
            return True
    return False


def minimise(api, ops, signature, impl, env, budget=200) -> tuple[list, bool]:
    """Delta debugging over the operations between the first ("new") and the
    diverging last one: the shortest sequence still diverging the same way."""
    d = replay(api, ops, impl, env, signature)
    if d is None or d.signature != signature or d.index != len(ops) - 1:
        return ops, False
    head, body, last = ops[:1], ops[1:-1], ops[-1]
    n = 2
    while body and budget > 0:
        chunk = max(1, math.ceil(len(body) / n))
        for start in range(0, len(body), chunk):
            cand = body[:start] + body[start + chunk :]
            seq = [*head, *cand, last]
            d = replay(api, seq, impl, env, signature)
            budget -= 1
            if d is not None and d.signature == signature and d.index == len(seq) - 1:
                body = cand
                n = max(n - 1, 2)
                break
            if budget <= 0:
                break
        else:
            if chunk == 1:
                break
            n = min(len(body), n * 2)
    return [*head, *body, last], True


def write_repro(out: Path, api, ops, d: Divergence, meta: dict, tag: str = "") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(repr((api, d.signature, ops)).encode()).hexdigest()[:10]
    known = d.known
    if tag:
        path = out / f"{api}-{tag}-{digest}.repro"
    elif known:
        path = out / f"{api}-known-{known}.repro"
    else:
        path = out / f"{api}-{digest}.repro"
    lines = [
        f"# rselect differential fuzzer: divergence in {api!r} at operation {d.op[0]!r}",
        *([f"# known: {known}"] if known else []),
        *(f"# {k}: {v}" for k, v in meta.items()),
        f"# replay: python -m tools.fuzz --replay {path}",
        f"# stock:   {show(d.want)}",
        f"# rselect: {show(d.got)}",
        f"API = {api!r}",
        "OPS = [",
        *(f"    {op!r}," for op in ops),
        "]",
        "",
    ]
    text = "\n".join(lines)
    path.write_text(text)
    if known is None and not tag:
        sys.stderr.write(f"\n--- divergence ({path}) ---\n{text}")
    return path


@dataclasses.dataclass
class Stats:
    api: str
    ops: int = 0
    pool_actions: int = 0
    episodes: int = 0
    divergences: int = 0
    distinct: int = 0
    known: dict = dataclasses.field(default_factory=dict)
    unconfirmed_timing: int = 0
    seconds: float = 0.0
    repros: list = dataclasses.field(default_factory=list)
    skipped: str | None = None

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["ops_per_second"] = round(self.ops / self.seconds) if self.seconds else 0
        d["seconds"] = round(self.seconds, 2)
        return d


def fuzz_api(
    api: str,
    *,
    ops: int | None,
    seconds: float | None,
    seed: int,
    impl: Impl,
    env: Env,
    out: Path,
    episode: int = 60,
    minimise_budget: int = 200,
    max_repros: int = 20,
    watchdog: float | None = None,
) -> Stats:
    stats = Stats(api)
    why = available(api, impl)
    if why:
        stats.skipped = why
        return stats
    rng = random.Random(f"{seed}:{api}")
    seen: dict[tuple, Path | None] = {}
    signatures: set[tuple] = set()
    start = time.monotonic()
    deadline = start + seconds if seconds else None

    def more() -> bool:
        if ops is not None and stats.ops >= ops:
            return False
        return deadline is None or time.monotonic() < deadline

    def report_one(d, ops_, sig):
        found_at = stats.ops
        small, reproduced = minimise(api, ops_, sig, impl, env, minimise_budget)
        final = replay(api, small, impl, env, sig) if reproduced else d
        meta = {
            "seed": seed,
            "found after operations": found_at,
            "episode length": len(ops_),
            "minimised length": len(small) if reproduced else "not reproduced on replay",
            "python": sys.version.split()[0],
        }
        seen[sig] = write_repro(out, api, small, final or d, meta)
        stats.repros.append(str(seen[sig]))

    while more():
        stats.episodes += 1
        if watchdog:  # a call that hangs unguarded: dump the stacks and exit
            faulthandler.dump_traceback_later(watchdog, exit=True)
        pool = env.pool()
        session = SESSIONS[api](impl, pool)
        log = [session.first(rng)]
        found: list[Divergence] = []
        try:
            d = session.apply(log[0], 0)
            length = rng.randrange(1, episode + 1)
            while d is None and len(log) < length and more():
                op = session.gen(rng)
                log.append(op)
                before = session.n_calls
                d = session.apply(op, len(log) - 1)
                if session.n_calls == before:
                    stats.pool_actions += 1
                else:
                    stats.ops += 1
                if d is not None and d.known is not None:
                    stats.known[d.known] = stats.known.get(d.known, 0) + 1
                    found.append(dataclasses.replace(d))
                    d = None  # a known divergence: the episode goes on
        finally:
            session.close()
            pool.close_all()
        if d is not None and d.timing and not confirm(api, log[: d.index + 1], d, impl, env):
            # Blocked on one side only, and never again on replay: a guard that
            # fired on a loaded machine (a preempted call), not a divergence.
            stats.unconfirmed_timing += 1
            if stats.unconfirmed_timing <= 3:
                meta = {"seed": seed, "unconfirmed": "diverged once, never on 3 replays"}
                write_repro(out, api, log[: d.index + 1], d, meta, tag="timing")
            d = None
        if d is not None:
            stats.divergences += 1
            signatures.add(d.signature)
            found.append(d)
        for d in found:
            sig = d.signature
            if sig in seen or len(seen) >= max_repros:
                continue
            report_one(d, log[: d.index + 1], sig)

    if watchdog:
        faulthandler.cancel_dump_traceback_later()
    stats.distinct = len(signatures)
    stats.seconds = time.monotonic() - start
    return stats


def default_impl() -> Impl:
    import rselect
    import rselect.selectors

    return Impl(ours=rselect, ours_selectors=rselect.selectors)


def run(
    apis: list[str],
    *,
    ops: int | None = 100_000,
    seconds: float | None = None,
    seed: int = 0,
    impl: Impl | None = None,
    out: Path = DEFAULT_OUT,
    episode: int = 60,
    report: Callable[[str], None] | None = print,
    watchdog: float | None = None,
) -> dict[str, Stats]:
    impl = impl or default_impl()
    env = Env()
    results = {}
    try:
        for api in apis:
            s = fuzz_api(
                api, ops=ops, seconds=seconds, seed=seed, impl=impl, env=env, out=out,
                episode=episode, watchdog=watchdog,
            )  # fmt: skip
            results[api] = s
            if report:
                if s.skipped:
                    report(f"{api:10s} skipped: {s.skipped}")
                else:
                    report(
                        f"{api:10s} {s.ops:8d} operations ({s.pool_actions} descriptor changes, "
                        f"{s.episodes} episodes) in {s.seconds:6.1f} s "
                        f"({s.as_dict()['ops_per_second']}/s): "
                        f"{s.divergences} divergences ({s.distinct} distinct)"
                        + "".join(f", known {k}: {n}" for k, n in sorted(s.known.items()))
                        + (
                            f", {s.unconfirmed_timing} guard timeouts not confirmed on replay"
                            if s.unconfirmed_timing
                            else ""
                        )
                    )
    finally:
        env.close()
    return results


def replay_file(path: str, impl: Impl | None = None) -> int:
    ns: dict = {"nan": NAN, "inf": INF}
    exec(compile(Path(path).read_text(), path, "exec"), ns)
    impl = impl or default_impl()
    env = Env()
    try:
        d = replay(ns["API"], ns["OPS"], impl, env)
    finally:
        env.close()
    if d is None:
        print(f"{path}: no divergence on replay")
        return 0
    print(f"{path}: divergence at operation {d.index}: {d.op!r}")
    print(f"  stock:   {show(d.want)}")
    print(f"  rselect: {show(d.got)}")
    return 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ops", type=int, default=None, help="operations per API (default 100000)")
    ap.add_argument("--seconds", type=float, default=None, help="time budget per API instead")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--api", action="append", choices=APIS, help="only these APIs (repeatable)")
    ap.add_argument("--episode", type=int, default=60, help="max operations per episode")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where repros are written")
    ap.add_argument("--json", type=Path, default=None, help="write the figures as JSON here")
    ap.add_argument("--replay", default=None, help="run a .repro file again")
    ap.add_argument(
        "--watchdog",
        type=float,
        default=300.0,
        help="seconds an episode may take before the run is stopped as hung (stacks dumped)",
    )
    ap.add_argument(
        "--strict", action="store_true", help="fail on the known (reported) divergences too"
    )
    args = ap.parse_args(argv)
    if args.replay:
        return replay_file(args.replay)
    ops = args.ops if args.ops is not None else (None if args.seconds else 100_000)
    apis = args.api or APIS
    print(
        f"rselect differential fuzzer: seed {args.seed}, "
        + (f"{ops} operations" if ops else f"{args.seconds} s")
        + f" per API, Python {sys.version.split()[0]}"
    )
    results = run(apis, ops=ops, seconds=args.seconds, seed=args.seed, out=args.out,
                  episode=args.episode, watchdog=args.watchdog)  # fmt: skip
    total = sum(s.divergences for s in results.values())
    known = sum(sum(s.known.values()) for s in results.values())
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "seed": args.seed,
                    "python": sys.version.split()[0],
                    "apis": {k: v.as_dict() for k, v in results.items()},
                },
                indent=1,
            )
        )
    print(
        f"total: {sum(s.ops for s in results.values())} operations, {total} divergences"
        f" (+ {known} known, reported rselect bugs: {', '.join(k.id for k in KNOWN)})"
    )
    return 1 if total or (args.strict and known) else 0
