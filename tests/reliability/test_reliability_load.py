"""Load: many descriptors in one epoll, select() and poll() over 10,000.

docs/reliability.md, "6. Load", has the figures and the long-run command.

Every descriptor of these tests sits at a fixed number in one block of the
descriptor table, from ``BASE`` (1088: above ``FD_SETSIZE``, so that every one
of them is beyond the stock ``select()``'s reach, and above the 1024-1026 that
api/test_select_behaviour.py uses) upwards: ``dup2`` moves each new socketpair
there, after checking that the whole block is free. The block needs
``RLIMIT_NOFILE`` above its top: the soft limit is raised to the hard one, and
the hard one too where the process may (``CAP_SYS_RESOURCE``). Where the hard
limit is lower than the block needs, the block is made smaller, and the size
actually used is part of the figures (``pairs`` vs ``pairs_wanted``), never a
silent skip. The limits are restored afterwards.

The epoll loads run for stock and rselect alike (``module``): the stock
behaviour is the reference, so a check that does not hold for stock is a wrong
check, and the figures of both are recorded side by side.

Writes come from a second thread in *bursts* (random pairs, some written
several times). A burst is either *concurrent* (the main thread polls while the
writer writes) or *quiet* (the writer is done before the first poll). The
writer counts a write before making it, so "reported but never written" is
seen at once. A control socketpair, level-triggered in the same epoll, tells
the poller that a burst is over.

Figures: ``record("load", case=..., ...)`` (results/reliability/load.jsonl).
"""

from __future__ import annotations

import os
import random
import resource
import select as stock_select_module
import selectors as stock_selectors
import socket
import threading
import time
from collections import Counter

import pytest
import rselect.selectors as rselect_selectors

from tests.support.fds import open_fds
from tests.support.figures import record
from tests.support.hostile import Fileno
from tests.support.modes import LONG
from tests.support.oracle import rselect, stock

pytestmark = [
    pytest.mark.serial,
    pytest.mark.skipif(
        not hasattr(stock, "epoll") or not os.path.isdir("/proc/self/fd"),
        reason="Linux: epoll and /proc/self/fd",
    ),
]
assert stock is stock_select_module

MODULES = pytest.mark.parametrize("module", [stock, rselect], ids=["stock", "rselect"])
EPOLL_PAIRS = 50_000 if LONG else 5_000
SELECTOR_PAIRS = 5_000  # the CI size in both modes
SELECT_FDS = 10_000
BURSTS = 8 if LONG else 4
BASE = 1_088
MARGIN = 64  # descriptor numbers left free under the limit for pytest and friends
TIMEOUT = 10.0  # a wait this long with writes pending is a lost wake-up
TIME_BOUND = 600.0 if LONG else 120.0  # one-sided, generous: the machine is shared
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    """Resident set size in bytes (/proc/self/statm)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def epoll_items() -> tuple[int, int] | None:
    """(registrations alive in all epolls of the machine, bytes each), from /proc/slabinfo.

    System-wide (other processes count too) and readable only by root: a figure
    for the kernel's share of a registration, which RSS does not see.
    """
    try:
        with open("/proc/slabinfo") as f:
            for line in f:
                if line.startswith("eventpoll_epi "):
                    fields = line.split()
                    return int(fields[1]), int(fields[3])
    except OSError:
        pass
    return None


def kernel_bytes_per_item(before, after, n: int) -> float | None:
    if before is None or after is None:
        return None
    return round((after[0] - before[0]) * after[1] / n, 1)


# -- descriptor limits and the block of numbers ----------------------------------------


@pytest.fixture
def nofile():
    """raise_to(n): RLIMIT_NOFILE soft limit raised towards n; returns the limit now set."""
    saved = resource.getrlimit(resource.RLIMIT_NOFILE)
    soft, hard = saved

    def raise_to(want: int) -> int:
        # As root with CAP_SYS_RESOURCE the hard limit goes up too (up to
        # fs.nr_open); without it, the soft limit goes up to the hard one.
        for limits in ((max(soft, want), max(hard, want)), (max(soft, min(hard, want)), hard)):
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, limits)
                break
            except (OSError, ValueError):
                continue
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]

    yield raise_to
    resource.setrlimit(resource.RLIMIT_NOFILE, saved)
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == saved


class Block:
    """Socketpairs at fixed numbers: pair i is (base + 2i, base + 2i + 1).

    The first end (``r(i)``) is the one watched, non-blocking; the second
    (``w(i)``) the one written. ``extra`` more pairs follow the data pairs
    (``ctl`` is the first of them). The block starts at ``BASE`` (or above
    any descriptor already open) and is cut down to fit under ``limit``.
    """

    def __init__(self, pairs_wanted: int, limit: int, extra: int = 1):
        taken = set(open_fds())
        self.base = max(BASE, max(taken) + MARGIN) // 2 * 2  # even: a pair is (2k, 2k + 1)
        room = (limit - MARGIN - self.base) // 2 - extra
        self.pairs_wanted = pairs_wanted
        self.pairs = min(pairs_wanted, room)
        if self.pairs < min(pairs_wanted, 256):
            pytest.fail(
                f"RLIMIT_NOFILE {limit} leaves room for {self.pairs} socketpairs above {self.base}"
            )
        self.top = self.base + 2 * (self.pairs + extra)
        assert not taken & set(range(self.base, self.top)), "the block is not free"
        self.opened: list[int] = []
        try:
            for i in range(self.pairs + extra):
                a, b = socket.socketpair()
                ends = (a.detach(), b.detach())
                assert max(ends) < self.base, "temporary descriptors reached the block"
                for end, tmp in enumerate(ends):
                    os.dup2(tmp, self.base + 2 * i + end, inheritable=False)
                    os.close(tmp)
                    self.opened.append(self.base + 2 * i + end)
                os.set_blocking(self.base + 2 * i, False)
        except BaseException:
            self.close()
            raise
        self.ctl_r, self.ctl_w = self.r(self.pairs), self.w(self.pairs)

    def r(self, i: int) -> int:
        return self.base + 2 * i

    def w(self, i: int) -> int:
        return self.base + 2 * i + 1

    def peer(self, fd: int) -> int:
        return fd ^ 1

    def index(self, fd: int) -> int:
        i, end = divmod(fd - self.base, 2)
        assert end == 0 and 0 <= i < self.pairs, f"reported descriptor {fd} was never registered"
        return i

    def close(self) -> None:
        while self.opened:
            os.close(self.opened.pop())

    def __enter__(self) -> Block:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def drain(fd: int) -> bytes:
    """Everything readable on a non-blocking descriptor now."""
    chunks = []
    while True:
        try:
            data = os.read(fd, 1 << 16)
        except BlockingIOError:
            return b"".join(chunks)
        assert data, f"end of file on {fd}"
        chunks.append(data)


class Writer(threading.Thread):
    """Writes one byte ``tag`` per target (counting it first), then one on the control pair."""

    def __init__(self, block: Block, targets: list[int], tag: bytes):
        super().__init__(daemon=True)
        self.block, self.targets, self.tag = block, targets, tag
        self.counts = [0] * block.pairs
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for k, i in enumerate(self.targets):
                self.counts[i] += 1
                os.write(self.block.w(i), self.tag)
                if k % 256 == 255:
                    time.sleep(0.0001)  # a chance for the poller to take the GIL
            os.write(self.block.ctl_w, b"!")
        except BaseException as exc:
            self.error = exc

    def finish(self) -> list[int]:
        self.join(TIMEOUT)
        assert not self.is_alive(), "the writer never finished"
        if self.error is not None:
            raise self.error
        return self.counts


def burst_targets(rng: random.Random, pairs: int, burst: int) -> list[int]:
    """Burst 0 writes every pair once; later ones random pairs, some several times."""
    if burst == 0:
        targets = list(range(pairs))
    else:
        targets = rng.choices(range(pairs), k=pairs // 4)  # repeats happen
        targets += rng.sample(range(pairs), k=min(16, pairs)) * 3  # and some for sure
    rng.shuffle(targets)
    return targets


def timed(fn, *args):
    t0 = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - t0


# -- epoll: edge-triggered -------------------------------------------------------------


@MODULES
def test_epoll_edge_triggered_reports_each_write_burst_once(module, nofile):
    t_start = time.monotonic()
    rng = random.Random(8_0005)
    limit = nofile(BASE + 2 * EPOLL_PAIRS + 2 * MARGIN + 16)
    rss_start = rss()
    with Block(EPOLL_PAIRS, limit) as block, module.epoll() as ep:
        n = block.pairs
        rss_created, items_before = rss(), epoll_items()
        _, t_register = timed(
            lambda: [ep.register(block.r(i), module.EPOLLIN | module.EPOLLET) for i in range(n)]
        )
        rss_registered, items_after = rss(), epoll_items()
        ep.register(block.ctl_r, module.EPOLLIN)
        poll_times: list[tuple[int, float]] = []  # (events returned, seconds)
        writes = reports_total = mid_burst_polls = several = 0
        for burst in range(BURSTS):
            concurrent = burst % 2 == 1
            tag = bytes([65 + burst])
            writer = Writer(block, burst_targets(rng, n, burst), tag)
            counts = writer.counts
            reports: Counter[int] = Counter()
            bad: list[str] = []

            def take(events, counts=counts, reports=reports, bad=bad):
                for fd, ev in events:
                    if fd == block.ctl_r:
                        continue
                    i = block.index(fd)
                    if counts[i] == 0:
                        bad.append(f"{fd} reported before any write to it")
                    if ev != module.EPOLLIN:
                        bad.append(f"{fd} reported with {ev:#x}")
                    reports[i] += 1

            writer.start()
            if concurrent:
                while True:
                    events = ep.poll(TIMEOUT, n + 1)
                    assert events, f"lost wake-up: nothing in {TIMEOUT} s during a burst"
                    take(events)
                    if any(fd == block.ctl_r for fd, _ in events):
                        break
                    mid_burst_polls += 1
            writer.finish()
            assert drain(block.ctl_r) == b"!"
            # Every wake-up of the burst happened inside a write(2) that is
            # over: one poll gets what is left, and then nothing is left.
            events, seconds = timed(ep.poll, 0, n + 1)
            poll_times.append((len(events), seconds))
            take(events)
            assert ep.poll(0, n + 1) == [], "an edge reported twice without a new write"
            assert not bad, bad[:10]
            written = {i for i, c in enumerate(counts) if c}
            assert set(reports) == written, (
                f"burst {burst}: never reported {sorted(written - set(reports))[:10]}, "
                f"never written {sorted(set(reports) - written)[:10]}"
            )
            # Once per write at most; a single write exactly once; a whole
            # burst the poller did not interrupt exactly once per pair.
            wrong = {
                block.r(i): (counts[i], reports[i])
                for i in written
                if not 1 <= reports[i] <= counts[i]
                or ((counts[i] == 1 or not concurrent) and reports[i] != 1)
            }
            assert not wrong, f"burst {burst} (writes, reports): {dict(list(wrong.items())[:10])}"
            # The data is all there; after draining, nothing is reported until
            # the next burst writes again.
            short = [i for i in written if drain(block.r(i)) != tag * counts[i]]
            assert not short, f"data lost on {short[:10]}"
            idle = rng.sample(range(n), k=min(200, n))
            assert all(drain(block.r(i)) == b"" for i in idle if i not in written)
            assert ep.poll(0, n + 1) == []
            writes += sum(counts)
            reports_total += sum(reports.values())
            several += sum(1 for i in written if counts[i] > 1)
        rss_end = rss()
    elapsed = time.monotonic() - t_start
    record(
        "load",
        case="epoll-edge",
        module=module.__name__,
        pairs=n,
        pairs_wanted=block.pairs_wanted,
        descriptors=2 * (n + 1),
        fd_range=[block.base, block.top - 1],
        rlimit_nofile=limit,
        bursts=BURSTS,
        writes=writes,
        reports=reports_total,
        pairs_written_several_times=several,
        mid_burst_polls=mid_burst_polls,
        register_all_s=round(t_register, 4),
        register_us_each=round(t_register / n * 1e6, 3),
        poll_most_ready=max(poll_times)[0],
        poll_most_ready_s=round(max(poll_times)[1], 5),
        poll_s_max=round(max(s for _, s in poll_times), 5),
        rss_start=rss_start,
        rss_pairs_created_delta=rss_created - rss_start,
        rss_registered_delta=rss_registered - rss_created,
        rss_bytes_per_registration=round((rss_registered - rss_created) / n, 2),
        kernel_bytes_per_registration=kernel_bytes_per_item(items_before, items_after, n),
        rss_end_delta=rss_end - rss_start,
        elapsed_s=round(elapsed, 3),
    )
    assert mid_burst_polls > 0, "no poll ever ran while the writer was writing"
    assert elapsed < TIME_BOUND


# -- epoll: level-triggered ------------------------------------------------------------


@MODULES
def test_epoll_level_triggered_reports_until_drained(module, nofile):
    t_start = time.monotonic()
    rng = random.Random(8_0006)
    limit = nofile(BASE + 2 * EPOLL_PAIRS + 2 * MARGIN + 16)
    rss_start = rss()
    with Block(EPOLL_PAIRS, limit) as block, module.epoll() as ep:
        n = block.pairs
        rss_created, items_before = rss(), epoll_items()
        _, t_register = timed(lambda: [ep.register(block.r(i), module.EPOLLIN) for i in range(n)])
        rss_registered, items_after = rss(), epoll_items()
        ep.register(block.ctl_r, module.EPOLLIN)
        poll_times: list[tuple[int, float]] = []
        writes = mid_burst_polls = 0

        def ready(events, counts):
            """The set of pairs reported, each exactly once, each written to."""
            got = [block.index(fd) for fd, ev in events if fd != block.ctl_r]
            assert len(got) == len(set(got)), "a descriptor twice in one poll"
            assert all(ev == module.EPOLLIN for fd, ev in events)
            unwritten = [block.r(i) for i in got if counts[i] == 0]
            assert not unwritten, f"reported, never written: {unwritten[:10]}"
            return set(got)

        for burst in range(BURSTS):
            concurrent = burst % 2 == 1
            tag = bytes([97 + burst])
            writer = Writer(block, burst_targets(rng, n, burst), tag)
            counts = writer.counts
            writer.start()
            if concurrent:
                seen: set[int] = set()
                while True:
                    events = ep.poll(TIMEOUT, n + 1)
                    assert events, f"lost wake-up: nothing in {TIMEOUT} s during a burst"
                    now = ready(events, counts)
                    assert seen <= now, f"undrained, no longer reported: {sorted(seen - now)[:10]}"
                    seen = now
                    if any(fd == block.ctl_r for fd, _ in events):
                        break
                    mid_burst_polls += 1
            writer.finish()
            assert drain(block.ctl_r) == b"!"
            written = {i for i, c in enumerate(counts) if c}
            events, seconds = timed(ep.poll, 0, n + 1)
            poll_times.append((len(events), seconds))
            assert ready(events, counts) == written
            # Reported again and again until drained...
            assert ready(ep.poll(0, n + 1), counts) == written
            assert ready(ep.poll(0.001, n + 1), counts) == written
            # ...by one poll for every pair even with a small maxevents.
            pieces: set[int] = set()
            for _ in range(-(-len(written) // 1000) + 1):
                pieces |= ready(ep.poll(0, 1000), counts)
            assert written <= pieces
            half = set(rng.sample(sorted(written), k=len(written) // 2))
            short = [i for i in half if drain(block.r(i)) != tag * counts[i]]
            assert not short, f"data lost on {short[:10]}"
            assert ready(ep.poll(0, n + 1), counts) == written - half
            short = [i for i in written - half if drain(block.r(i)) != tag * counts[i]]
            assert not short, f"data lost on {short[:10]}"
            assert ep.poll(0, n + 1) == []
            writes += sum(counts)
        rss_end = rss()
    elapsed = time.monotonic() - t_start
    record(
        "load",
        case="epoll-level",
        module=module.__name__,
        pairs=n,
        pairs_wanted=block.pairs_wanted,
        descriptors=2 * (n + 1),
        fd_range=[block.base, block.top - 1],
        rlimit_nofile=limit,
        bursts=BURSTS,
        writes=writes,
        mid_burst_polls=mid_burst_polls,
        register_all_s=round(t_register, 4),
        register_us_each=round(t_register / n * 1e6, 3),
        poll_most_ready=max(poll_times)[0],
        poll_most_ready_s=round(max(poll_times)[1], 5),
        rss_registered_delta=rss_registered - rss_created,
        rss_bytes_per_registration=round((rss_registered - rss_created) / n, 2),
        kernel_bytes_per_registration=kernel_bytes_per_item(items_before, items_after, n),
        rss_end_delta=rss_end - rss_start,
        elapsed_s=round(elapsed, 3),
    )
    assert mid_burst_polls > 0, "no poll ever ran while the writer was writing"
    assert elapsed < TIME_BOUND


# -- rselect.selectors.EpollSelector ---------------------------------------------------


@pytest.mark.parametrize(
    "selectors", [stock_selectors, rselect_selectors], ids=["stock", "rselect"]
)
def test_epoll_selector_under_load(selectors, nofile):
    t_start = time.monotonic()
    rng = random.Random(8_0007)
    limit = nofile(BASE + 2 * SELECTOR_PAIRS + 2 * MARGIN + 16)
    rss_start = rss()
    with Block(SELECTOR_PAIRS, limit) as block, selectors.EpollSelector() as sel:
        n = block.pairs
        data = [object() for _ in range(n)]
        _, t_register = timed(
            lambda: [sel.register(block.r(i), selectors.EVENT_READ, data[i]) for i in range(n)]
        )
        rss_registered = rss()
        ctl_key = sel.register(block.ctl_r, selectors.EVENT_READ)
        select_times: list[tuple[int, float]] = []
        writes = mid_burst_selects = 0

        def ready(result, counts):
            got = []
            for key, events in result:
                if key is ctl_key:
                    continue
                i = block.index(key.fd)
                assert key is sel.get_key(key.fd) and key.data is data[i] and key.fileobj == key.fd
                assert events == selectors.EVENT_READ
                assert counts[i], f"reported, never written: {key.fd}"
                got.append(i)
            assert len(got) == len(set(got)), "a key twice in one select()"
            return set(got)

        for burst in range(BURSTS):
            tag = bytes([48 + burst])
            writer = Writer(block, burst_targets(rng, n, burst), tag)
            counts = writer.counts
            writer.start()
            if burst % 2:
                while True:
                    result = sel.select(TIMEOUT)
                    assert result, f"lost wake-up: nothing in {TIMEOUT} s during a burst"
                    ready(result, counts)
                    if any(key is ctl_key for key, _ in result):
                        break
                    mid_burst_selects += 1
            writer.finish()
            assert drain(block.ctl_r) == b"!"
            written = {i for i, c in enumerate(counts) if c}
            result, seconds = timed(sel.select, 0)
            select_times.append((len(result), seconds))
            assert ready(result, counts) == written
            assert ready(sel.select(0.001), counts) == written
            half = set(rng.sample(sorted(written), k=len(written) // 2))
            assert all(drain(block.r(i)) == tag * counts[i] for i in half)
            assert ready(sel.select(0), counts) == written - half
            assert all(drain(block.r(i)) == tag * counts[i] for i in written - half)
            assert sel.select(0) == []
            writes += sum(counts)
        assert len(sel.get_map()) == n + 1
        _, t_unregister = timed(lambda: [sel.unregister(block.r(i)) for i in range(n)])
        assert list(sel.get_map()) == [block.ctl_r]
    elapsed = time.monotonic() - t_start
    record(
        "load",
        case="epoll-selector",
        module=selectors.__name__,
        pairs=n,
        pairs_wanted=block.pairs_wanted,
        bursts=BURSTS,
        writes=writes,
        mid_burst_selects=mid_burst_selects,
        register_all_s=round(t_register, 4),
        unregister_all_s=round(t_unregister, 4),
        select_most_ready=max(select_times)[0],
        select_most_ready_s=round(max(select_times)[1], 5),
        rss_registered_delta=rss_registered - rss_start,
        elapsed_s=round(elapsed, 3),
    )
    assert elapsed < TIME_BOUND


# -- select() and poll() over 10,000 descriptors ---------------------------------------


def fd_of(obj) -> int:
    return obj if isinstance(obj, int) else obj.fileno()


@pytest.fixture
def big_table(nofile):
    """SELECT_FDS descriptors over 1023 in three kinds of objects, with known readiness.

    Yields (block, entries, readable, unwritable, urgent): ``entries`` holds one
    object per descriptor (int, socket object or Fileno), ``readable`` the
    descriptors with data to read, ``unwritable`` those with a full send buffer,
    ``urgent`` the one with TCP urgent data (an exceptional condition).
    """
    rng = random.Random(8_0010)
    limit = nofile(BASE + SELECT_FDS + 2 * MARGIN + 16)
    with Block(SELECT_FDS // 2 - 1, limit, extra=2) as block:
        fds = list(range(block.base, block.base + 2 * block.pairs))
        # The second extra pair becomes a loopback TCP connection (urgent data),
        # so that select()'s third list has something to find.
        tcp_a, tcp_b = block.r(block.pairs + 1), block.w(block.pairs + 1)
        with socket.create_server(("127.0.0.1", 0)) as server:
            client = socket.create_connection(server.getsockname())
            accepted, _ = server.accept()
        for sock, target in ((client, tcp_a), (accepted, tcp_b)):
            os.dup2(sock.fileno(), target, inheritable=False)
            sock.close()
        fds += [tcp_a, tcp_b]
        sockets: list[socket.socket] = []
        try:
            entries: list = []
            for k, fd in enumerate(fds):
                if k % 3 == 0:
                    entries.append(fd)
                elif k % 3 == 1:
                    entries.append(Fileno(fd))
                else:
                    sockets.append(socket.socket(fileno=fd))
                    entries.append(sockets[-1])
            readable = set()
            for fd in rng.sample(fds[:-2], k=len(fds) // 5):
                os.write(block.peer(fd), b"r")
                readable.add(fd)
            unwritable = set()
            for fd in rng.sample(fds[:-2], k=8):
                os.set_blocking(fd, False)
                try:
                    while True:
                        os.write(fd, b"f" * 4096)
                except BlockingIOError:
                    pass
                unwritable.add(fd)
                readable.add(block.peer(fd))
            sock = socket.socket(fileno=tcp_a)
            try:
                sock.send(b"!", socket.MSG_OOB)
            finally:
                sock.detach()
            _wait_urgent(tcp_b)
            yield block, entries, readable, unwritable, {tcp_b}
        finally:
            for sock in sockets:
                sock.detach()


def _wait_urgent(fd: int) -> None:
    """Loopback TCP delivers at once; wait for the urgent byte all the same."""
    p = stock.poll()
    p.register(fd, stock.POLLPRI)
    assert p.poll(TIMEOUT * 1000), "the urgent byte never arrived"


def test_select_over_ten_thousand_descriptors(big_table):
    block, entries, readable, unwritable, urgent = big_table
    rng = random.Random(8_0011)
    rlist, wlist, xlist = entries[:], entries[:], entries[:]
    for seq in (rlist, wlist, xlist):
        rng.shuffle(seq)
    rlist += rng.sample(entries, 16)  # repeated entries are reported as often as given
    want = (
        [o for o in rlist if fd_of(o) in readable],
        [o for o in wlist if fd_of(o) not in unwritable],
        [o for o in xlist if fd_of(o) in urgent],
    )
    got, seconds = timed(rselect.select, rlist, wlist, xlist, 0)
    assert type(got) is tuple and len(got) == 3
    for name, got_list, want_list in zip("rwx", got, want, strict=True):
        assert type(got_list) is list
        assert len(got_list) == len(want_list), name
        # The very objects given, in the order given.
        assert all(a is b for a, b in zip(got_list, want_list, strict=True)), name
    _, seconds_none = timed(rselect.select, rlist, [], [], None)  # ready: no wait
    # Stock refuses every one of these descriptors, in any of the three lists.
    for args in ((rlist, [], []), ([], wlist, []), ([], [], xlist)):
        with pytest.raises(ValueError, match=r"^filedescriptor out of range in select\(\)$"):
            stock.select(*args, 0)
    # A real wait over 10,000 idle descriptors, ended by a write from a thread.
    idle = [o for o in entries if fd_of(o) not in readable | urgent]
    target = rng.choice(idle)
    timer = threading.Timer(0.05, os.write, (block.peer(fd_of(target)), b"w"))
    t0 = time.monotonic()
    timer.start()
    try:
        woke = rselect.select(idle, [], idle, TIMEOUT)
    finally:
        timer.join()
    waited = time.monotonic() - t0
    assert woke == ([target], [], []) and woke[0][0] is target
    assert 0.05 <= waited < TIMEOUT
    record(
        "load",
        case="select",
        descriptors=len(entries),
        fd_range=[block.base, block.top - 1],
        readable=len(want[0]),
        writable=len(want[1]),
        exceptional=len(want[2]),
        select_s=round(seconds, 5),
        select_ready_none_timeout_s=round(seconds_none, 5),
        wait_woken_s=round(waited, 4),
    )


def test_poll_over_ten_thousand_descriptors_matches_stock(big_table):
    block, entries, readable, unwritable, urgent = big_table
    rng = random.Random(8_0012)
    masks = [
        stock.POLLIN,
        stock.POLLOUT,
        stock.POLLIN | stock.POLLOUT,
        stock.POLLIN | stock.POLLPRI,
        stock.POLLPRI,
        stock.POLLIN | stock.POLLOUT | stock.POLLPRI,
    ]
    order = entries[:]
    rng.shuffle(order)
    ops = [("register", obj, rng.choice(masks)) for obj in order]
    ops += [("modify", obj, rng.choice(masks)) for obj in rng.sample(entries, 300)]
    gone = rng.sample(entries, 300)
    ops += [("unregister", obj, 0) for obj in gone]
    ops += [("register", obj, rng.choice(masks)) for obj in gone[:100]]  # to the end
    # What the registrations are afterwards, in registration order.
    model: dict[int, int] = {}
    for op, obj, mask in ops:
        if op == "unregister":
            del model[fd_of(obj)]
        else:
            model[fd_of(obj)] = mask
    results, times = {}, {}
    for module in (stock, rselect):
        p = module.poll()
        t0 = time.perf_counter()
        for op, obj, mask in ops:
            if op == "unregister":
                p.unregister(obj)
            else:
                getattr(p, op)(obj, mask)
        times[f"{module.__name__}_register_s"] = round(time.perf_counter() - t0, 4)
        results[module], seconds = timed(p.poll, 0)
        times[f"{module.__name__}_poll_s"] = round(seconds, 5)
        assert p.poll(TIMEOUT * 1000) == results[module]  # ready: no wait
    got = results[rselect]
    assert got == results[stock]
    # ...and both are what was made ready, in registration order.
    reported = {fd for fd, _ in got}
    assert [fd for fd, _ in got] == [fd for fd in model if fd in reported]

    def having(flag):
        return {fd for fd, ev in got if ev & flag}

    assert having(stock.POLLIN) == {fd for fd, m in model.items() if m & stock.POLLIN} & readable
    assert having(stock.POLLOUT) == {
        fd for fd, m in model.items() if m & stock.POLLOUT and fd not in unwritable
    }
    assert having(stock.POLLPRI) == {fd for fd, m in model.items() if m & stock.POLLPRI} & urgent
    assert not having(~(stock.POLLIN | stock.POLLOUT | stock.POLLPRI))
    # A real wait: only idle descriptors, one written to from a thread.
    p = rselect.poll()
    idle = [fd for fd in model if fd not in readable | urgent]
    for fd in idle:
        p.register(fd, stock.POLLIN)
    target = rng.choice(idle)
    timer = threading.Timer(0.05, os.write, (block.peer(target), b"w"))
    t0 = time.monotonic()
    timer.start()
    try:
        woke = p.poll(TIMEOUT * 1000)
    finally:
        timer.join()
    waited = time.monotonic() - t0
    assert woke == [(target, stock.POLLIN)]
    assert 0.05 <= waited < TIMEOUT
    record(
        "load",
        case="poll",
        descriptors=len(entries),
        registered=len(model),
        ready=len(got),
        fd_range=[block.base, block.top - 1],
        wait_woken_s=round(waited, 4),
        **times,
    )
