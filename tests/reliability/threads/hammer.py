"""The threads hammer: 8 threads hammering one poll, one epoll, one selector.

docs/reliability.md, "3. Threads", has the figures and the long-run command.

The hammer: ``THREADS`` threads apply random operations to ONE object of a
target (``poll``: register/modify/unregister/poll; ``epoll``: the same plus
close and ``epoll.fromfd(os.dup(obj.fileno()))``; ``EpollSelector`` and
``PollSelector`` of ``rselect.selectors``: register/modify/unregister/select/
get_key/get_map) over a shared pool of real pipes and socketpairs whose ends
the same threads write to, drain, close and reopen, for a bounded time. It
runs in a child process (this file run as a script), once with the stock
``select``/``selectors`` and once with rselect's, both at the same time, so
that a crash is a failed test with its signal and not a dead pytest, and a
deadlock is a failed test with every thread's traceback
(``faulthandler.dump_traceback_later`` in the child, a kill as last resort).

Each run has two halves:

- free: no locking at all, same-descriptor operations race each other;
- modelled: an operation on a pool descriptor holds that descriptor's slot
  lock (the pool's own close/reopen hold it too), so the registrations are
  known (a model) and every outcome of register/modify/unregister must be the
  one the stock module gives in that state (``KeyError`` exactly for an
  unregistered descriptor, ``EEXIST``, ``ENOENT``, ``EBADF`` for a closed one,
  the closed-object ``ValueError`` for an epoll object closed by another
  thread). ``poll()``/``close()``/``fromfd()`` stay unlocked.

After each half, with the threads stopped, the object is checked against a
fresh look: after the free half, what ``poll(0)`` reports must agree with the
registrations found by probing (a closed registered descriptor is POLLNVAL for
poll; epoll reports no closed descriptor); after the modelled half,
``poll(0)`` must equal that of a fresh object given the model's registrations,
and each descriptor must be registered exactly when the model says so. Then
everything is closed and the child's ``/proc/self/fd`` must be what it was
before the run.

Exceptions: every exception an operation raised, in either module's run,
must match ``ALLOWED`` (per target and operation, type and message); each
entry of ``ALLOWED`` has a witness (``WITNESSES``) showing the stock module
raises exactly that in a state the hammer can reach, and rselect the same
(tests/test_reliability_threads_witnesses.py).

poll's ``RuntimeError("concurrent poll() invocation")``: never raised by
register/modify/unregister (``ALLOWED``), and by ``poll()`` only when another
``poll()`` call on the same object overlapped it (counters around each call:
entries counted after the call minus exits counted before it must be at least
2). That it IS raised whenever a second thread polls while one waits is
checked deterministically in tests/test_reliability_threads_interleavings.py
(a thread is known to be waiting when ``/proc/self/task/<tid>/syscall`` shows
it inside poll/ppoll), for the poll object and for ``PollSelector``, next to
the other forced interleavings: a
descriptor closed while another thread waits on it, a peer closed, an epoll
clone changing the shared interest list during a wait. Each is run with the
stock modules and with rselect's, outcomes compared. (register/modify/
unregister during a running poll() are allowed by stock and tested against it
in tests/api/test_poll_epoll_threads.py; here they only must never raise
RuntimeError.)

rselect's ``poll(0)``/``epoll.poll(0)`` keep the GIL (gil.rs): another thread
cannot run while one is inside such a call, so two ``poll(0)`` calls on one
poll object never collide with rselect, while with stock (which releases the
GIL for every call) they can. rselect's outcomes are a subset of stock's,
which is what the checks require.

Selectors: the stdlib documents no thread safety for selectors, and
Lib/selectors.py keeps its bookkeeping in a plain dict with unsynchronised
check-then-act steps (``register`` looks the descriptor up, then inserts, then
calls the poller and deletes the key again when that fails), so concurrent use
has no specified outcome. For them the hammer only requires: no crash, no
deadlock, no exception but the stdlib's own kinds (``SELECTOR_ALLOWED``, each
with a witness on the stdlib selectors), and a selector that still selects and
closes afterwards.

Each check can fail: test_the_hammer_catches_injected_faults
(tests/test_reliability_threads.py) runs the hammer
with a bug injected (a crash, a deadlock, a leaked descriptor, a lost
registration, a wrong mask, a foreign exception, a spurious RuntimeError) and
requires each to be reported as such.

Figures: ``record("threads", ...)`` per target (results/reliability/threads.jsonl).
Duration: ``RSELECT_STRESS_SECONDS`` per target (the stock and rselect runs go
side by side), by default 2 (CI) or 60 (``RSELECT_LONG=1``); the selector
targets get half. ``RSELECT_STRESS_SEED`` replays the threads' operation
sequences (not their interleaving).
"""

from __future__ import annotations

import collections
import contextlib
import errno
import faulthandler
import gc
import json
import os
import random
import re
import resource
import socket
import sys
import threading
import time
import traceback
from pathlib import Path

if __name__ == "__main__":  # the child, run as a script: tests.support from this checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.support.fds import open_fds

THREADS = 8
N_SLOTS = 6  # pool slots: pipes (even) and socketpairs (odd), two fixed numbers each
MAX_CLONES = 4  # epoll.fromfd clones alive at once
SWITCH_INTERVAL = 1e-4  # the child's sys.setswitchinterval: many more interleavings

# -- what an operation may raise (type name, message) ------------------------------------

CLOSED_EPOLL = r"^I/O operation on closed epoll object$"
EBADF_MSG = r"^\[Errno 9\] Bad file descriptor$"
EINVAL_MSG = r"^\[Errno 22\] Invalid argument$"
ENOENT_MSG = r"^\[Errno 2\] No such file or directory$"
EEXIST_MSG = r"^\[Errno 17\] File exists$"
BUSY_MSG = r"^concurrent poll\(\) invocation$"
FD = r"(\d+|<fd>)"  # a descriptor number (written <fd> in the hammer's figures)
FD_KEY = rf"^{FD}$"  # str(KeyError(fd))

#: target -> operation -> [(exception type name, message pattern)]. An epoll
#: handle closed by another thread while an operation on it runs without the
#: GIL leaves the operation with a stale number: EBADF, or EINVAL when the
#: number was reused meanwhile by a pipe or socket of the pool (EINVAL is also
#: modify() of an EPOLLEXCLUSIVE registration).
ALLOWED: dict[str, dict[str, list[tuple[str, str]]]] = {
    "poll": {
        "register": [],
        "modify": [("FileNotFoundError", ENOENT_MSG)],
        "unregister": [("KeyError", FD_KEY)],
        "poll": [("RuntimeError", BUSY_MSG)],
    },
    "epoll": {
        "register": [
            ("FileExistsError", EEXIST_MSG),
            ("OSError", EBADF_MSG),
            ("OSError", EINVAL_MSG),
            ("ValueError", CLOSED_EPOLL),
        ],
        "modify": [
            ("FileNotFoundError", ENOENT_MSG),
            ("OSError", EBADF_MSG),
            ("OSError", EINVAL_MSG),
            ("ValueError", CLOSED_EPOLL),
        ],
        "unregister": [
            ("FileNotFoundError", ENOENT_MSG),
            ("OSError", EBADF_MSG),
            ("OSError", EINVAL_MSG),
            ("ValueError", CLOSED_EPOLL),
        ],
        "poll": [
            ("OSError", EBADF_MSG),
            ("OSError", EINVAL_MSG),
            ("ValueError", CLOSED_EPOLL),
        ],
        "close": [],
        "fromfd": [],
    },
}

#: The stdlib selectors' own exceptions (any operation): the hammer's selector
#: runs may raise only these.
SELECTOR_ALLOWED: list[tuple[str, str]] = [
    ("KeyError", rf"^'{FD} is not registered'$"),
    ("KeyError", rf"^'{FD} \(FD {FD}\) is already registered'$"),
    ("KeyError", FD_KEY),
    ("OSError", EBADF_MSG),
    ("FileExistsError", EEXIST_MSG),
    ("FileNotFoundError", ENOENT_MSG),
    ("RuntimeError", BUSY_MSG),
    ("RuntimeError", r"^dictionary changed size during iteration$"),
    ("RuntimeError", r"^dictionary keys changed during iteration$"),
]


def allowed_for(target: str, op: str) -> list[tuple[str, str]]:
    if target in ALLOWED:
        return ALLOWED[target].get(op, [])
    return SELECTOR_ALLOWED


def matches(entry: tuple[str, str], type_name: str, message: str) -> bool:
    return entry[0] == type_name and re.search(entry[1], message) is not None


# =========================================================================================
# The hammer: runs in a child process (``python test_reliability_threads.py hammer ...``).
# =========================================================================================


class Slot:
    """A pipe (even index) or a socketpair (odd) at two fixed descriptor numbers."""

    def __init__(self, index: int, base: int):
        self.kind = "pipe" if index % 2 == 0 else "socketpair"
        self.fds = (base + 2 * index, base + 2 * index + 1)
        self.open = [False, False]
        self.lock = threading.Lock()

    def reopen(self) -> None:
        """New ends at the slot's numbers (dup2 replaces open ones). Holds the lock."""
        if self.kind == "pipe":
            tmp = os.pipe()
        else:
            a, b = socket.socketpair()
            tmp = (a.detach(), b.detach())
        for t, num in zip(tmp, self.fds, strict=True):
            os.dup2(t, num)
            os.close(t)
            os.set_blocking(num, False)
        self.open = [True, True]

    def close(self, end: int) -> bool:
        if not self.open[end]:
            return False
        os.close(self.fds[end])
        self.open[end] = False
        return True

    def writable_end(self, rng: random.Random) -> int:
        return 1 if self.kind == "pipe" else rng.randrange(2)

    def readable_end(self, rng: random.Random) -> int:
        return 0 if self.kind == "pipe" else rng.randrange(2)


class Stats:
    def __init__(self):
        self.ops: collections.Counter = collections.Counter()
        self.exceptions: collections.Counter = collections.Counter()
        self.poll_calls = 0
        self.overlapping_polls = 0
        self.runtime_errors = 0
        self.closes_during_wait = 0
        self.model_checks = 0


class Hammer:
    """One target, one module: the object, the pool, the threads and the checks."""

    def __init__(self, module_name: str, target: str, seed: int):
        if module_name == "stock":
            import select as module
            import selectors as sels
        else:
            import rselect as module
            import rselect.selectors as sels
        self.m = module
        self.target = target
        self.seed = seed
        self.violations: list[str] = []
        self.stats: list[Stats] = []
        self.model: dict[int, int] = {}
        self.modelled = False
        self.counter_lock = threading.Lock()
        self.entered = 0
        self.exited = 0
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        base = min(600, soft - 2 * N_SLOTS - 16)
        self.pool = [Slot(i, base) for i in range(N_SLOTS)]
        self.slot_of = {fd: s for s in self.pool for fd in s.fds}
        self.pool_fds = sorted(self.slot_of)
        for fd in self.pool_fds:  # the numbers must be free: dup2 would clobber them
            try:
                os.fstat(fd)
            except OSError:
                continue
            raise RuntimeError(f"pool number {fd} already open")
        for s in self.pool:
            s.reopen()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        m = module
        if target == "poll":
            self.obj = m.poll()
            self.obj.register(self.wake_r, m.POLLIN)
            self.masks_free = self.masks_model = [
                m.POLLIN,
                m.POLLOUT,
                m.POLLIN | m.POLLOUT,
                m.POLLPRI,
                m.POLLIN | m.POLLPRI | m.POLLOUT,
                m.POLLIN | m.POLLRDHUP,
                0,
            ]
            self.ops = {"register": 3, "modify": 3, "unregister": 3, "poll": 4}
        elif target == "epoll":
            # The anchor keeps the kernel instance alive and is never closed by
            # the threads: every handle (the object, its fromfd clones, the
            # replacement of a closed object) is a dup of it, so all of them
            # share one interest list, the one the model describes.
            self.anchor = m.epoll()
            self.anchor.register(self.wake_r, m.EPOLLIN)
            self.primary = m.epoll.fromfd(os.dup(self.anchor.fileno()))
            self.clones: list = []
            self.closed_handles: collections.deque = collections.deque(maxlen=4)
            self.handles_lock = threading.Lock()
            self.masks_model = [
                m.EPOLLIN,
                m.EPOLLOUT,
                m.EPOLLIN | m.EPOLLOUT,
                m.EPOLLPRI,
                m.EPOLLIN | m.EPOLLRDHUP,
                0,
            ]
            self.masks_free = [
                *self.masks_model,
                m.EPOLLIN | m.EPOLLET,
                m.EPOLLOUT | m.EPOLLONESHOT,
                m.EPOLLIN | m.EPOLLEXCLUSIVE,
            ]
            self.ops = {
                "register": 3,
                "modify": 3,
                "unregister": 3,
                "poll": 4,
                "close": 1,
                "fromfd": 1,
            }
        else:
            cls = getattr(sels, target)
            self.obj = cls()
            self.obj.register(self.wake_r, sels.EVENT_READ, "wake")
            self.masks_free = self.masks_model = [1, 2, 3]
            self.ops = {
                "register": 3,
                "modify": 2,
                "unregister": 3,
                "select": 4,
                "get_key": 2,
                "get_map": 1,
            }
        self.ops.update({"write": 2, "drain": 2, "close_fd": 1, "reopen": 1})
        self.op_names = list(self.ops)
        self.op_weights = [self.ops[k] for k in self.op_names]

    # -- helpers ---------------------------------------------------------------------

    def violation(self, text: str) -> None:
        if len(self.violations) < 50:
            self.violations.append(text)

    def attempt(self, st: Stats, op: str, fn, fd: int | None = None):
        """(result, exception) of fn(), the exception counted (with the
        operation's descriptor number written ``<fd>`` in its message)."""
        try:
            return fn(), None
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a PanicException is a BaseException
            text = str(exc)
            if fd is not None:
                text = re.sub(rf"\b{fd}\b", "<fd>", text)
            st.exceptions[(op, type(exc).__name__, text, getattr(exc, "errno", None))] += 1
            return None, exc

    def timed_poll(self, st: Stats, op: str, fn):
        """A poll()/select() call between the entry/exit counters."""
        with self.counter_lock:
            exits_before = self.exited
            self.entered += 1
        try:
            result, exc = self.attempt(st, op, fn)
        finally:
            with self.counter_lock:
                entries_after = self.entered
                self.exited += 1
        st.poll_calls += 1
        overlapped = entries_after - exits_before >= 2
        st.overlapping_polls += overlapped
        if isinstance(exc, RuntimeError) and str(exc) == "concurrent poll() invocation":
            st.runtime_errors += 1
            if not overlapped:
                self.violation(f"{op}: concurrent poll() invocation without another poll")
        return result, exc

    def expect(self, what: str, exc, want) -> None:
        """want: None (no exception), or (type name, errno or None, args or None)."""
        got = None if exc is None else (type(exc).__name__, getattr(exc, "errno", None))
        if want is None:
            ok = exc is None
        else:
            ok = got == want[:2] and (want[2] is None or exc.args == want[2])
        if not ok:
            self.violation(f"{what}: got {exc!r}, the model says {want}")

    def check_ready(self, what: str, result, maxevents: int | None = None) -> None:
        if result is None:
            return
        fds = [fd for fd, _ in result]
        known = set(self.pool_fds) | {self.wake_r}
        # epoll reports registrations, and a registration is of a (file
        # description, number) pair (epoll(7)): when one outlives its number's
        # close and reopen, the number is reported twice. Stock's EpollSelector
        # did so in CI (2026-12-04, seed 209386792: [(609, 2), (609, 2)] for
        # every later select), so only poll's results must be unique.
        repeated = len(set(fds)) != len(fds) and self.target in ("poll", "PollSelector")
        if not set(fds) <= known or repeated:
            self.violation(f"{what}: reported {result}, not pool descriptors or repeated")
        if maxevents is not None and len(result) > maxevents:
            self.violation(f"{what}: {len(result)} events for maxevents={maxevents}")

    # -- the pool ------------------------------------------------------------------------

    def pool_op(self, st: Stats, op: str, rng: random.Random) -> None:
        slot = rng.choice(self.pool)
        with slot.lock:
            if op == "write":
                end = slot.writable_end(rng)
                if slot.open[end]:
                    with contextlib.suppress(OSError):  # full, or the peer gone
                        os.write(slot.fds[end], b"x" * rng.choice([1, 100, 4096]))
            elif op == "drain":
                end = slot.readable_end(rng)
                if slot.open[end]:
                    with contextlib.suppress(OSError):
                        while os.read(slot.fds[end], 65536):
                            pass
            elif op == "close_fd":
                end = rng.randrange(2)
                with self.counter_lock:
                    waiting = self.entered - self.exited
                if slot.close(end):
                    st.closes_during_wait += waiting > 0
                    if self.modelled and self.target == "epoll":
                        # No other reference to the file: the kernel drops it.
                        self.model.pop(slot.fds[end], None)
            else:  # reopen
                slot.reopen()
                if self.modelled and self.target == "epoll":
                    for fd in slot.fds:
                        self.model.pop(fd, None)

    # -- the operations --------------------------------------------------------------------

    def is_open(self, fd: int) -> bool:
        slot = self.slot_of[fd]
        return slot.open[slot.fds.index(fd)]

    def pick_handle(self, rng: random.Random):
        handles = [self.primary] * 3 + list(self.clones) + list(self.closed_handles)
        return rng.choice(handles)

    def do(self, st: Stats, op: str, rng: random.Random) -> None:
        st.ops[op] += 1
        if op in ("write", "drain", "close_fd", "reopen"):
            self.pool_op(st, op, rng)
        elif self.target == "poll":
            self.do_poll(st, op, rng)
        elif self.target == "epoll":
            self.do_epoll(st, op, rng)
        else:
            self.do_selector(st, op, rng)

    def do_poll(self, st: Stats, op: str, rng: random.Random) -> None:
        p = self.obj
        if op == "poll":
            timeout = rng.choice([0, 0, 1, 10, 50, None, -1])
            result, _ = self.timed_poll(st, op, lambda: p.poll(timeout))
            self.check_ready("poll", result)
            return
        fd = rng.choice(self.pool_fds)
        mask = rng.choice(self.masks_free)
        calls = {
            "register": lambda: p.register(fd, mask),
            "modify": lambda: p.modify(fd, mask),
            "unregister": lambda: p.unregister(fd),
        }
        if not self.modelled:
            self.attempt(st, op, calls[op], fd)
            return
        with self.slot_of[fd].lock:
            _, exc = self.attempt(st, op, calls[op], fd)
            registered = fd in self.model
            st.model_checks += 1
            if op == "register":
                self.expect(f"register({fd})", exc, None)
                self.model[fd] = mask
            elif op == "modify":
                want = None if registered else ("FileNotFoundError", errno.ENOENT, None)
                self.expect(f"modify({fd})", exc, want)
                if registered:
                    self.model[fd] = mask
            else:
                want = None if registered else ("KeyError", None, (fd,))
                self.expect(f"unregister({fd})", exc, want)
                self.model.pop(fd, None)

    def do_epoll(self, st: Stats, op: str, rng: random.Random) -> None:
        m = self.m
        if op == "close":
            with self.handles_lock:
                live = [self.primary, *self.clones]
                h = rng.choice([*live, *self.closed_handles])
                self.attempt(st, op, h.close)
                if h is self.primary:
                    self.primary = m.epoll.fromfd(os.dup(self.anchor.fileno()))
                if h in self.clones:
                    self.clones.remove(h)
                if h in live:
                    self.closed_handles.append(h)
            return
        if op == "fromfd":
            with self.handles_lock:
                if len(self.clones) >= MAX_CLONES:
                    old = self.clones.pop(0)
                    old.close()
                    self.closed_handles.append(old)
                dup = os.dup(self.primary.fileno())
                clone, exc = self.attempt(st, op, lambda: m.epoll.fromfd(dup))
                if exc is None:
                    self.clones.append(clone)
                else:
                    os.close(dup)
            return
        h = self.pick_handle(rng)
        if op == "poll":
            timeout = rng.choice([0, 0, 0.001, 0.01, 0.05, None, -1])
            maxevents = rng.choice([-1, 1, 2, 64])
            result, exc = self.timed_poll(st, op, lambda: h.poll(timeout, maxevents))
            if exc is not None and not h.closed:
                self.violation(f"poll on an open epoll object raised {exc!r}")
            self.check_ready("epoll.poll", result, None if maxevents == -1 else maxevents)
            return
        fd = rng.choice(self.pool_fds)
        masks = self.masks_model if self.modelled else self.masks_free
        mask = rng.choice(masks)
        calls = {
            "register": lambda: h.register(fd, mask),
            "modify": lambda: h.modify(fd, mask),
            "unregister": lambda: h.unregister(fd),
        }
        if not self.modelled:
            self.attempt(st, op, calls[op], fd)
            return
        slot = self.slot_of[fd]
        with slot.lock:
            _, exc = self.attempt(st, op, calls[op], fd)
            is_open = slot.open[slot.fds.index(fd)]
            registered = fd in self.model
            st.model_checks += 1
            if not is_open:
                want = ("OSError", errno.EBADF, None)
            elif op == "register":
                want = ("FileExistsError", errno.EEXIST, None) if registered else None
            else:
                want = None if registered else ("FileNotFoundError", errno.ENOENT, None)
            stale = (
                ("ValueError", None),
                ("OSError", errno.EBADF),
                ("OSError", errno.EINVAL),
            )
            got = None if exc is None else (type(exc).__name__, getattr(exc, "errno", None))
            if not (h.closed and got in stale):  # closed by another thread meanwhile
                self.expect(f"{op}({fd})", exc, want)
            if exc is None:
                if op == "unregister":
                    self.model.pop(fd, None)
                else:
                    self.model[fd] = mask

    def do_selector(self, st: Stats, op: str, rng: random.Random) -> None:
        sel = self.obj
        if op == "select":
            timeout = rng.choice([0, 0, 0.001, 0.01, None])
            result, _ = self.timed_poll(st, op, lambda: sel.select(timeout))
            if result is not None:
                self.check_ready("select", [(key.fd, ev) for key, ev in result])
                if any(ev not in (0, 1, 2, 3) for _, ev in result):
                    self.violation(f"select: events out of range in {result}")
            return
        if op == "get_map":
            how = rng.randrange(3)
            fd = rng.choice(self.pool_fds)
            calls = [
                lambda: list(sel.get_map().items()),
                lambda: len(sel.get_map()),
                lambda: fd in sel.get_map(),
            ]
            self.attempt(st, op, calls[how], fd)
            return
        fd = rng.choice(self.pool_fds)
        events = rng.choice(self.masks_free)
        calls = {
            "register": lambda: sel.register(fd, events, "data"),
            "modify": lambda: sel.modify(fd, events, "other"),
            "unregister": lambda: sel.unregister(fd),
            "get_key": lambda: sel.get_key(fd),
        }
        self.attempt(st, op, calls[op], fd)

    # -- the threads ------------------------------------------------------------------------

    def worker(self, index: int, phase: int, deadline: float) -> None:
        st = Stats()
        self.stats.append(st)
        rng = random.Random(self.seed * 1000 + phase * 100 + index)
        try:
            while time.monotonic() < deadline:
                op = rng.choices(self.op_names, self.op_weights)[0]
                self.do(st, op, rng)
        except BaseException:
            self.violation("harness error in a worker:\n" + traceback.format_exc())

    def waker(self, stop: threading.Event) -> None:
        """Makes the wake pipe readable for 2 ms every 30 ms: waits without a
        timeout end soon (nobody else touches its registration)."""
        while not stop.is_set():
            os.write(self.wake_w, b"w")
            time.sleep(0.002)
            with contextlib.suppress(BlockingIOError):
                os.read(self.wake_r, 4096)
            stop.wait(0.03)

    def run_phase(self, phase: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        stop = threading.Event()
        waker = threading.Thread(target=self.waker, args=(stop,))
        threads = [
            threading.Thread(target=self.worker, args=(i, phase, deadline)) for i in range(THREADS)
        ]
        waker.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        waker.join()
        with contextlib.suppress(BlockingIOError):
            os.read(self.wake_r, 4096)

    # -- the checks with the threads stopped ---------------------------------------------------

    def probe_poll(self) -> None:
        """After the free half: poll(0) agrees with the registrations found by
        unregistering every pool descriptor; then nothing is registered."""
        p, m = self.obj, self.m
        ready = p.poll(0)
        registered = set()
        for fd in self.pool_fds:
            try:
                p.unregister(fd)
            except KeyError:
                continue
            registered.add(fd)
        closed = {fd for fd in self.pool_fds if not self.is_open(fd)}
        nval = {fd for fd, ev in ready if ev & m.POLLNVAL}
        if not {fd for fd, _ in ready} <= registered:
            self.violation(f"poll(0) after the free half: {ready}, registered {registered}")
        if nval != registered & closed:
            self.violation(f"POLLNVAL for {nval}, registered closed ones {registered & closed}")
        if p.poll(0) != []:
            self.violation(f"poll(0) with nothing registered: {p.poll(0)}")

    def probe_epoll(self) -> None:
        ep = self.anchor
        ready = ep.poll(0, 1000)
        registered = set()
        for fd in self.pool_fds:
            slot = self.slot_of[fd]
            is_open = slot.open[slot.fds.index(fd)]
            try:
                ep.unregister(fd)
            except OSError as exc:
                want = errno.ENOENT if is_open else errno.EBADF
                if exc.errno != want:
                    self.violation(f"unregister({fd}) after the free half: {exc!r}")
                continue
            if not is_open:
                self.violation(f"unregister({fd}) of a closed descriptor succeeded")
            registered.add(fd)
        if not {fd for fd, _ in ready} <= registered:
            self.violation(f"epoll.poll(0) after the free half: {ready}, registered {registered}")
        if ep.poll(0) != []:
            self.violation(f"epoll.poll(0) with nothing registered: {ep.poll(0)}")

    def check_against_model(self) -> None:
        """After the modelled half: the object's poll(0) equals a fresh object's
        with the model's registrations; each descriptor is registered exactly
        when the model says so. Every descriptor is made ready first (poll: the
        closed ends reopened at their numbers; data in every pipe and socket), so
        that a wrong mask shows."""
        m = self.m
        for slot in self.pool:
            if self.target == "poll" and not all(slot.open):
                slot.reopen()  # poll keeps registrations by number
            for end in (0, 1) if slot.kind == "socketpair" else (1,):
                if slot.open[end]:
                    with contextlib.suppress(OSError):
                        os.write(slot.fds[end], b"!")
        if self.target == "poll":
            obj, fresh = self.obj, m.poll()
            fresh.register(self.wake_r, m.POLLIN)
            for fd, mask in self.model.items():
                fresh.register(fd, mask)
            got, want = sorted(obj.poll(0)), sorted(fresh.poll(0))
        else:
            obj, fresh = self.anchor, m.epoll()
            fresh.register(self.wake_r, m.EPOLLIN)
            for fd, mask in self.model.items():
                fresh.register(fd, mask)
            got, want = sorted(obj.poll(0, 1000)), sorted(fresh.poll(0, 1000))
            fresh.close()
        if got != want:
            self.violation(f"after the modelled half poll(0) gives {got}, a fresh object {want}")
        for fd in self.pool_fds:
            slot = self.slot_of[fd]
            is_open = slot.open[slot.fds.index(fd)]
            try:
                obj.unregister(fd)
            except (KeyError, OSError) as exc:
                if fd in self.model:
                    self.violation(f"unregister({fd}) of a model registration: {exc!r}")
                elif isinstance(exc, OSError) and exc.errno != (
                    errno.ENOENT if is_open else errno.EBADF
                ):
                    self.violation(f"unregister({fd}): {exc!r}")
                continue
            if fd not in self.model:
                self.violation(f"unregister({fd}) succeeded, the model has no registration")

    def run(self, seconds: float) -> dict:
        half = seconds / 2
        self.run_phase(0, half)
        if self.target == "poll":
            self.probe_poll()
        elif self.target == "epoll":
            self.probe_epoll()
        if self.target in ("poll", "epoll"):
            self.modelled = True
            self.model = {}
        self.run_phase(1, half)
        if self.target in ("poll", "epoll"):
            self.check_against_model()
        else:
            sel = self.obj
            result = sel.select(0)
            mapped = {key.fd for key in sel.get_map().values()}
            if not {key.fd for key, _ in result} <= mapped:
                self.violation(f"select(0) reported unmapped keys: {result}")
        self.close_all()
        return self.figures()

    def close_all(self) -> None:
        if self.target == "epoll":
            for h in [self.primary, *self.clones, self.anchor]:
                h.close()
            if not all(h.closed for h in [self.primary, *self.clones, *self.closed_handles]):
                self.violation("an epoll handle is still open after close()")
        elif self.target not in ("poll",):
            self.obj.close()
        for slot in self.pool:
            with slot.lock:
                slot.close(0)
                slot.close(1)
        os.close(self.wake_r)
        os.close(self.wake_w)

    def figures(self) -> dict:
        ops: collections.Counter = collections.Counter()
        excs: collections.Counter = collections.Counter()
        for st in self.stats:
            ops.update(st.ops)
            excs.update(st.exceptions)
        return {
            "ops": dict(ops),
            "exceptions": [[*k, n] for k, n in sorted(excs.items(), key=str)],
            "poll_calls": sum(st.poll_calls for st in self.stats),
            "overlapping_polls": sum(st.overlapping_polls for st in self.stats),
            "runtime_errors": sum(st.runtime_errors for st in self.stats),
            "closes_during_wait": sum(st.closes_during_wait for st in self.stats),
            "model_checks": sum(st.model_checks for st in self.stats),
        }


class Faulty:
    """The object under test with a bug injected (``RSELECT_THREADS_FAULT``, set
    only by test_the_hammer_catches_injected_faults): proof that each check of
    the hammer can fail."""

    def __init__(self, obj, fault: str):
        self._obj, self._fault, self._calls = obj, fault, 0

    def __getattr__(self, name):
        return getattr(self._obj, name)

    def _nth(self, n: int) -> bool:
        """Every n-th call of a worker thread (the checks run in the main thread)."""
        if threading.current_thread() is threading.main_thread():
            return False
        self._calls += 1
        return self._calls % n == 0

    def register(self, fd, mask):
        hit = self._nth(7)
        if hit and self._fault == "lose-register":
            return None  # says yes, does nothing
        if (
            self._fault == "wrong-mask"
            and threading.current_thread() is not threading.main_thread()
        ):
            mask ^= 5  # POLLIN|POLLOUT: registered, with another mask
        return self._obj.register(fd, mask)

    def modify(self, fd, mask):
        if (
            self._fault == "wrong-mask"
            and threading.current_thread() is not threading.main_thread()
        ):
            mask ^= 5
        return self._obj.modify(fd, mask)

    def unregister(self, fd):
        if self._nth(5) and self._fault == "foreign-exception":
            raise SystemError("injected")
        return self._obj.unregister(fd)

    def poll(self, *args):
        if self._nth(3) and self._fault == "spurious-busy":
            raise RuntimeError("concurrent poll() invocation")
        return self._obj.poll(*args)


def _inject(hammer: Hammer, fault: str) -> None:
    if fault == "crash":
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file left behind
        threading.Timer(0.2, os.abort).start()
    elif fault == "hang":
        a, b = threading.Lock(), threading.Lock()

        def grab(first, second):
            with first:
                time.sleep(0.1)
                with second:
                    pass

        for args in ((a, b), (b, a)):
            threading.Thread(target=grab, args=args, daemon=True).start()
        time.sleep(0.2)
        grab(a, b)  # the main thread joins the deadlock
    elif fault == "leak":
        os.pipe()
    else:
        hammer.obj = Faulty(hammer.obj, fault)


def child_main(argv: list[str]) -> int:
    """hammer MODULE TARGET SECONDS SEED WATCHDOG: prints one JSON line of figures."""
    _, module_name, target, seconds_s, seed_s, watchdog_s = argv
    seconds, seed = float(seconds_s), int(seed_s)
    faulthandler.enable()
    # A deadlock: every thread's traceback on stderr, then exit status 1.
    faulthandler.dump_traceback_later(float(watchdog_s), exit=True)
    sys.setswitchinterval(SWITCH_INTERVAL)
    before = open_fds()
    t0 = time.monotonic()
    hammer = Hammer(module_name, target, seed)
    fault = os.environ.get("RSELECT_THREADS_FAULT")
    if fault:
        _inject(hammer, fault)
    figures = hammer.run(seconds)
    elapsed = time.monotonic() - t0
    gc.collect()
    after = open_fds()
    leaked = {fd: after[fd] for fd in sorted(after.keys() - before.keys())}
    faulthandler.cancel_dump_traceback_later()
    print(
        json.dumps(
            {
                **figures,
                "violations": hammer.violations,
                "leaked_fds": leaked,
                "seconds": round(elapsed, 3),
            }
        )
    )
    return 0


def watchdog_seconds(seconds: float) -> float:
    """The child's deadlock bound: the run plus a generous margin (a loaded machine)."""
    return seconds * 1.5 + 20


if __name__ == "__main__":  # the child: the hammer only, without the test machinery
    sys.exit(child_main(sys.argv[1:]))
