"""Fork: objects used in parent and child behave as stock's do.

docs/reliability.md, "4. fork", has the figures and the long-run command.

Each scenario runs twice, once over the stock ``select``/``selectors`` and
once over rselect's, and writes down what the parent and the child observe
(results, exceptions, closed flags); the two transcripts must be equal. A few
absolute expectations are checked too, so that a scenario where both modules
were wrong in the same way (or did nothing) cannot pass unnoticed:

- an epoll object is one kernel instance shared by parent and child: a
  registration made in the child is visible in the parent, an edge or a
  one-shot event consumed in one is gone for the other, a close in one leaves
  the other's working;
- a poll object is copied: the child's changes stay in the child;
- the ``selectors`` selectors follow from that (an EpollSelector's child
  registration reaches the parent's kernel set, not its map);
- forking while another thread waits in ``poll.poll()``, ``epoll.poll()`` or a
  selector's ``select()`` leaves the child what stock leaves it (for poll: a
  copied "running" flag, so the child's poll() raises RuntimeError, as
  stock's does), never a wedged lock;
- a fork storm: another thread keeps using the objects while the main thread
  forks again and again; every child can use them (or gets stock's
  RuntimeError) and exits;
- ``os.register_at_fork`` hooks that use the objects run as with stock.

rselect registers no fork hook of its own on Linux: its kqueue fork
invalidation (crates/rselect-py/src/fork.rs) is only compiled where kqueue
exists, and in the ``testing`` build exercised by tests_portable/.

Every child runs under ``signal.alarm`` (a hang kills it with SIGALRM, the
parent reports it), always leaves through ``os._exit`` and is reaped.
"""

from __future__ import annotations

import os
import pickle
import selectors as stock_selectors
import signal
import struct
import threading
import time
import traceback
import warnings

import pytest
import rselect.selectors as rselect_selectors

from tests.support.figures import record
from tests.support.modes import LONG
from tests.support.oracle import outcome, rselect, stock

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or not hasattr(stock, "epoll"), reason="Linux: fork, poll and epoll"
)

MODULES = {"stock": (stock, stock_selectors), "rselect": (rselect, rselect_selectors)}
POLLIN, POLLOUT = stock.POLLIN, stock.POLLOUT
EPOLLIN, EPOLLOUT = stock.EPOLLIN, stock.EPOLLOUT
EPOLLET, EPOLLONESHOT = stock.EPOLLET, stock.EPOLLONESHOT
READ, WRITE = stock_selectors.EVENT_READ, stock_selectors.EVENT_WRITE
CHILD_ALARM = 20  # seconds a child may live
#: Forks of the fork storm, per module.
STORM_FORKS = 300 if LONG else 15


# -- running code in a child ---------------------------------------------------------


class ChildFailed(AssertionError):
    pass


def _send(fd, obj):
    data = pickle.dumps(obj)
    data = struct.pack("!I", len(data)) + data
    while data:
        data = data[os.write(fd, data) :]


def _recv_exact(fd, n, deadline):
    buf = b""
    while len(buf) < n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            # The stock module runs the harness: it must not depend on rselect.
            if remaining <= 0 or not stock.select([fd], [], [], remaining)[0]:
                raise ChildFailed("the child sent nothing in time")
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def _recv(fd, deadline=None):
    (n,) = struct.unpack("!I", _recv_exact(fd, 4, deadline))
    return pickle.loads(_recv_exact(fd, n, deadline))


class Child:
    """A fork child running `body(channel)`; the channel talks to the parent.

    The child's return value (or its traceback) comes back through ``join()``.
    """

    def __init__(self, body):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        with warnings.catch_warnings():
            # 3.12+: "This process is multi-threaded, use of fork() may lead to deadlocks".
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 3
            try:
                signal.signal(signal.SIGALRM, signal.SIG_DFL)
                signal.alarm(CHILD_ALARM)
                os.close(self._to_child)
                os.close(self._from_child)
                self._in, self._out = to_child_r, from_child_w
                try:
                    result = ("ok", body(self))
                except BaseException:
                    result = ("error", traceback.format_exc())
                _send(self._out, result)
                code = 0
            finally:
                os._exit(code)
        self.pid = pid
        os.close(to_child_r)
        os.close(from_child_w)
        self._in, self._out = self._from_child, self._to_child

    # Both sides: a message to the other one.
    def send(self, obj):
        _send(self._out, obj)

    def recv(self, timeout=CHILD_ALARM + 5):
        try:
            return _recv(self._in, time.monotonic() + timeout)
        except EOFError:
            raise ChildFailed(
                "the other side closed its end (a child killed by its alarm?)"
            ) from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pid is not None:  # not joined: the scenario failed midway
            try:
                self.join()
            except ChildFailed:
                if exc[0] is None:
                    raise

    def join(self):
        """The child's result; the child reaped and the pipes closed, whatever happens."""
        try:
            try:
                kind, value = self.recv()
            except ChildFailed:
                kind, value = "lost", "no result from the child"
        finally:
            os.close(self._in)
            os.close(self._out)
            status = self._reap()
            self.pid = None
        if kind != "ok" or status != 0:
            raise ChildFailed(f"child: {kind}, exit status {status}:\n{value}")
        return value

    def _reap(self):
        deadline = time.monotonic() + CHILD_ALARM + 5
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                return "killed (hung past its alarm)"
            time.sleep(0.005)


def observe(call):
    """An outcome made picklable and comparable across the two modules."""
    got = outcome(call)
    if got[0] == "raise":
        return ("raise", got[1].__name__, got[2], got[3])
    return ("ok", summary(got[1]))


def summary(value):
    """Selector keys -> (fd, events, data); lists of ready pairs in order."""
    if isinstance(value, list):
        return [summary(v) for v in value]
    if isinstance(value, tuple) and len(value) == 2 and hasattr(value[0], "fileobj"):
        key, events = value
        return ((key.fd, key.data), events)
    if hasattr(value, "fileobj"):
        return (value.fd, value.events, value.data)
    return value


class Pipes:
    """n pipes, closed on exit."""

    def __init__(self, n):
        self.ends = [os.pipe() for _ in range(n)]

    def __enter__(self):
        return self.ends

    def __exit__(self, *exc):
        for pair in self.ends:
            for fd in pair:
                os.close(fd)


def both(scenario, *args):
    """Runs `scenario(module, selectors, *args)` over stock and rselect: the two transcripts."""
    return {name: scenario(module, sels, *args) for name, (module, sels) in MODULES.items()}


def assert_same(transcripts):
    assert transcripts["rselect"] == transcripts["stock"]
    return transcripts["rselect"]


# -- epoll: one kernel instance, shared ----------------------------------------------


def epoll_shared(module, _sels):
    seen = {}
    with Pipes(2) as [(r1, w1), (r2, w2)]:
        ep = module.epoll()
        try:
            ep.register(r1, EPOLLIN)
            os.write(w1, b"a")

            def child(ch):
                got = {"fileno_same": ep.fileno(), "closed": ep.closed}
                got["poll_inherited"] = observe(lambda: ep.poll(0))
                got["register_r1_again"] = observe(lambda: ep.register(r1, EPOLLIN))
                got["register_r2"] = observe(lambda: ep.register(r2, EPOLLIN))
                got["modify_r1"] = observe(lambda: ep.modify(r1, EPOLLOUT))  # never ready
                ch.send("registered")
                got["parent_wrote"] = ch.recv()
                got["poll_after_parent_write"] = observe(lambda: sorted(ep.poll(5)))
                ep.close()
                got["closed_after_close"] = ep.closed
                got["poll_after_close"] = observe(lambda: ep.poll(0))
                return got

            with Child(child) as c:
                seen["child_said"] = c.recv()
                # The child's registration is in the parent's kernel set.
                seen["parent_register_r2"] = observe(lambda: ep.register(r2, EPOLLIN))
                os.write(w2, b"b")
                c.send("written")
                seen["child"] = c.join()
            seen["child"]["fileno_same"] = seen["child"]["fileno_same"] == ep.fileno()
            # The child closed its descriptor: the parent's object works on.
            seen["parent_closed"] = ep.closed
            seen["parent_poll"] = observe(lambda: sorted(ep.poll(0)))
            seen["parent_modify_r1"] = observe(lambda: ep.modify(r1, EPOLLIN))
            seen["parent_poll_2"] = observe(lambda: sorted(ep.poll(0)))
            seen["parent_unregister_r2"] = observe(lambda: ep.unregister(r2))
            seen["parent_unregister_r2_again"] = observe(lambda: ep.unregister(r2))
        finally:
            ep.close()
    return seen


def test_epoll_is_shared_between_parent_and_child():
    seen = assert_same(both(epoll_shared))
    assert seen["child"]["fileno_same"] and seen["child"]["closed"] is False
    assert seen["child"]["poll_inherited"][1] == [(seen["child"]["poll_inherited"][1][0][0], 1)]
    assert seen["parent_register_r2"][:2] == ("raise", "FileExistsError")
    r1_r2_ready = seen["child"]["poll_after_parent_write"][1]
    assert len(r1_r2_ready) == 1  # r2 only: the child's modify made r1 wait for EPOLLOUT
    assert seen["parent_poll"] == seen["child"]["poll_after_parent_write"]
    assert len(seen["parent_poll_2"][1]) == 2
    assert seen["parent_unregister_r2_again"][:2] == ("raise", "FileNotFoundError")


def epoll_consumed(module, _sels, flags):
    """An edge (EPOLLET) or a one-shot event consumed by the child is gone for the parent."""
    seen = {}
    with Pipes(1) as [(r, w)]:
        with module.epoll() as ep:
            ep.register(r, EPOLLIN | flags)
            os.write(w, b"x")

            def child(ch):
                return {"first": ep.poll(0), "second": ep.poll(0)}

            seen["child"] = Child(child).join()
            seen["parent"] = ep.poll(0)
            os.write(w, b"y")  # a new edge; a one-shot stays disarmed
            seen["parent_after_write"] = ep.poll(0)
            seen["rearm"] = observe(lambda: ep.modify(r, EPOLLIN | flags))
            seen["parent_after_rearm"] = ep.poll(0)
    return seen


@pytest.mark.parametrize("flags", [EPOLLET, EPOLLONESHOT], ids=["edge", "oneshot"])
def test_epoll_event_consumed_in_the_child_is_gone_in_the_parent(flags):
    seen = assert_same(both(epoll_consumed, flags))
    assert len(seen["child"]["first"]) == 1 and seen["child"]["second"] == []
    assert seen["parent"] == []
    assert seen["parent_after_rearm"] == seen["child"]["first"]


# -- poll: a private copy ------------------------------------------------------------


def poll_copied(module, _sels):
    seen = {}
    with Pipes(2) as [(r1, w1), (r2, w2)]:
        p = module.poll()
        p.register(r1, POLLIN)
        os.write(w1, b"a")

        def child(ch):
            got = {"inherited": observe(lambda: p.poll(0))}
            got["register_r2"] = observe(lambda: p.register(r2, POLLIN))
            got["unregister_r1"] = observe(lambda: p.unregister(r1))
            os.write(w2, b"b")
            got["poll"] = observe(lambda: p.poll(0))
            got["unregister_r1_again"] = observe(lambda: p.unregister(r1))
            got["modify_r1"] = observe(lambda: p.modify(r1, POLLIN))
            return got

        seen["child"] = Child(child).join()
        seen["parent_poll"] = observe(lambda: p.poll(0))
        seen["parent_unregister_r2"] = observe(lambda: p.unregister(r2))
        seen["parent_modify_r1"] = observe(lambda: p.modify(r1, POLLIN | POLLOUT))
        seen["parent_poll_2"] = observe(lambda: p.poll(10))
    return seen


def test_poll_object_is_copied_into_the_child():
    seen = assert_same(both(poll_copied))
    assert seen["child"]["poll"][1] and seen["child"]["poll"] != seen["parent_poll"]
    assert seen["parent_unregister_r2"][:2] == ("raise", "KeyError")
    assert seen["child"]["unregister_r1_again"][:2] == ("raise", "KeyError")


# -- selectors -----------------------------------------------------------------------

SELECTORS = pytest.mark.parametrize("cls", ["SelectSelector", "PollSelector", "EpollSelector"])


def map_summary(sel):
    return sorted((k.fd, k.events, k.data) for k in sel.get_map().values())


def selector_in_child(_module, sels, cls):
    seen = {}
    with Pipes(2) as [(r1, w1), (r2, w2)]:
        sel = getattr(sels, cls)()
        try:
            sel.register(r1, READ, "one")
            os.write(w1, b"a")

            def child(ch):
                got = {"select": observe(lambda: sel.select(0))}
                got["register_r2"] = observe(lambda: sel.register(r2, READ, "two"))
                got["modify_r1"] = observe(lambda: sel.modify(r1, READ, "uno"))
                os.write(w2, b"b")
                got["select_2"] = observe(lambda: sorted(summary(sel.select(0))))
                got["map"] = map_summary(sel)
                got["unregister_r1"] = observe(lambda: sel.unregister(r1))
                got["select_3"] = observe(lambda: sel.select(1))
                sel.close()
                got["after_close"] = observe(lambda: sel.get_map())
                return got

            seen["child"] = Child(child).join()
            # The parent's map is its own; an EpollSelector's kernel set is shared.
            seen["parent_map"] = map_summary(sel)
            seen["parent_select"] = observe(lambda: sorted(summary(sel.select(0))))
            seen["parent_register_r2"] = observe(lambda: sel.register(r2, READ, "deux"))
            seen["parent_map_2"] = map_summary(sel)
            seen["parent_select_2"] = observe(lambda: sorted(summary(sel.select(0))))
        finally:
            sel.close()
    return seen


@SELECTORS
def test_selector_used_in_the_child(cls):
    seen = assert_same(both(selector_in_child, cls))
    assert seen["parent_map"] == [(seen["parent_map"][0][0], READ, "one")]
    assert len(seen["child"]["select_2"][1]) == 2
    if cls == "EpollSelector":  # the child's registration is in the shared epoll
        assert seen["parent_register_r2"][:2] == ("raise", "FileExistsError")
    else:
        assert seen["parent_register_r2"][0] == "ok"


# -- fork while another thread waits -------------------------------------------------


class Waiter(threading.Thread):
    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.result = fn, None

    def run(self):
        try:
            self.result = ("ok", summary(self.fn()))
        except BaseException as exc:  # the transcript keeps it
            self.result = ("raise", type(exc).__name__, str(exc))

    def finish(self):
        self.join(10)
        assert not self.is_alive(), "the waiting thread never returned"
        return self.result


def wait_until_running(p):
    """Probes p.poll(0) until it reports the waiting thread's call."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            p.poll(0)
        except RuntimeError:
            return
        time.sleep(0.005)
    pytest.fail("the waiting thread's poll() was never seen running")


def fork_while_polling(module, _sels):
    seen = {}
    with Pipes(2) as [(r1, w1), (r2, w2)]:
        p = module.poll()
        p.register(r1, POLLIN)
        waiter = Waiter(lambda: p.poll(10_000))
        waiter.start()
        try:
            wait_until_running(p)

            def child(ch):
                os.write(w2, b"b")
                got = {"poll": observe(lambda: p.poll(0))}  # the copied flag: stock raises
                got["register_r2"] = observe(lambda: p.register(r2, POLLIN))
                got["modify_r1"] = observe(lambda: p.modify(r1, POLLIN | POLLOUT))
                got["unregister_r2"] = observe(lambda: p.unregister(r2))
                got["unregister_r2_again"] = observe(lambda: p.unregister(r2))
                got["modify_r2"] = observe(lambda: p.modify(r2, POLLIN))
                got["poll_2"] = observe(lambda: p.poll(0))
                fresh = module.poll()
                fresh.register(r2, POLLIN)
                got["fresh_poll"] = observe(lambda: fresh.poll(0))
                got["select"] = observe(lambda: module.select([r2], [], [], 0))
                return got

            seen["child"] = Child(child).join()
        finally:
            os.write(w1, b"a")
            seen["waiter"] = waiter.finish()
        seen["parent_poll"] = observe(lambda: p.poll(0))
        seen["parent_unregister_r2"] = observe(lambda: p.unregister(r2))
    return seen


def test_fork_while_another_thread_is_in_poll():
    seen = assert_same(both(fork_while_polling))
    assert seen["child"]["fresh_poll"][0] == "ok" and seen["child"]["fresh_poll"][1]
    assert seen["waiter"][0] == "ok" and seen["waiter"][1]
    assert seen["parent_poll"] == seen["waiter"]


def fork_while_epolling(module, _sels):
    seen = {}
    with Pipes(2) as [(r1, w1), (r2, w2)]:
        ep = module.epoll()
        try:
            ep.register(r1, EPOLLIN)
            waiter = Waiter(lambda: ep.poll(10))
            waiter.start()
            try:
                time.sleep(0.05)  # most likely in epoll_wait by now (either way, same result)

                def child(ch):
                    got = {"poll": observe(lambda: ep.poll(0))}
                    # Wakes the parent's waiting thread: the instance is shared.
                    got["register_r2"] = observe(lambda: ep.register(r2, EPOLLIN))
                    os.write(w2, b"b")
                    got["poll_2"] = observe(lambda: ep.poll(1))
                    got["closed"] = ep.closed
                    return got

                seen["child"] = Child(child).join()
            finally:
                t0 = time.monotonic()
                seen["waiter"] = waiter.finish()
                seen["woken_by_child"] = time.monotonic() - t0 < 5
                os.write(w1, b"a")
            seen["parent_poll"] = observe(lambda: sorted(ep.poll(0)))
        finally:
            ep.close()
    return seen


def test_fork_while_another_thread_is_in_epoll_poll():
    seen = assert_same(both(fork_while_epolling))
    assert seen["child"]["poll"] == ("ok", [])
    assert seen["waiter"] == seen["child"]["poll_2"] and seen["woken_by_child"]
    assert len(seen["parent_poll"][1]) == 2


def fork_while_selecting(module, sels, cls):
    seen = {}
    with Pipes(2) as [(r1, w1), (r2, _)]:
        sel = getattr(sels, cls)()
        try:
            sel.register(r1, READ, "one")
            waiter = Waiter(lambda: sel.select(10))
            waiter.start()
            try:
                if cls == "PollSelector":
                    wait_until_running(sel._selector)
                else:
                    time.sleep(0.05)

                def child(ch):
                    got = {"select": observe(lambda: sel.select(0))}
                    # Not written: an EpollSelector's registration reaches the
                    # parent's kernel set, and a ready r2 would wake its waiter.
                    got["register_r2"] = observe(lambda: sel.register(r2, READ, "two"))
                    got["select_2"] = observe(lambda: sel.select(0))
                    got["unregister_r2"] = observe(lambda: sel.unregister(r2))
                    got["map"] = map_summary(sel)
                    return got

                seen["child"] = Child(child).join()
            finally:
                os.write(w1, b"a")
                seen["waiter"] = waiter.finish()
            seen["parent_select"] = observe(lambda: sorted(summary(sel.select(0))))
            seen["parent_map"] = map_summary(sel)
        finally:
            sel.close()
    return seen


@SELECTORS
def test_fork_while_another_thread_is_in_a_selector_select(cls):
    seen = assert_same(both(fork_while_selecting, cls))
    assert seen["waiter"][0] == "ok" and seen["waiter"][1]
    assert seen["child"]["map"] == [(seen["parent_map"][0][0], READ, "one")]


# -- a fork storm --------------------------------------------------------------------


def fork_storm(module, sels, forks):
    """One thread keeps using shared objects; the main thread forks `forks` times."""
    kinds: dict[str, int] = {}
    with Pipes(2) as [(r1, w1), (r2, _)]:
        os.write(w1, b"a")
        p = module.poll()
        p.register(r1, POLLIN)
        ep = module.epoll()
        sel = sels.DefaultSelector()
        stop = threading.Event()
        busy = {"ops": 0}

        def hammer():
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            while not stop.is_set():
                for call in (
                    lambda: p.poll(1),
                    lambda: p.register(r2, POLLIN),
                    lambda: p.unregister(r2),
                    lambda: ep.register(r2, EPOLLIN),
                    lambda: ep.poll(0.001),
                    lambda: ep.unregister(r2),
                    lambda: sel.register(r1, READ),
                    lambda: sel.select(0.001),
                    lambda: sel.unregister(r1),
                ):
                    try:
                        call()
                    except (RuntimeError, KeyError, OSError):
                        pass  # the racing fork child's own calls are not ours
                    busy["ops"] += 1

        def child(ch):
            got = (
                observe(lambda: p.poll(0)),
                observe(lambda: ep.poll(0)),
                observe(lambda: sel.select(0)),
                observe(lambda: module.select([r1], [], [], 0)),
            )
            fresh = module.poll()
            fresh.register(r1, POLLIN)
            assert fresh.poll(1000) == [(r1, POLLIN)]
            return got

        thread = threading.Thread(target=hammer, daemon=True)
        thread.start()
        t0 = time.monotonic()
        try:
            for _ in range(forks):
                for item in Child(child).join():
                    # ok, or the RuntimeError of a copied "running" flag
                    key = item[0] if item[0] == "ok" else f"{item[1]}: {item[2]}"
                    kinds[key] = kinds.get(key, 0) + 1
        finally:
            stop.set()
            thread.join(10)
            elapsed = time.monotonic() - t0
            ep.close()
            sel.close()
        assert not thread.is_alive()
    return {"kinds": kinds, "seconds": round(elapsed, 3), "thread_ops": busy["ops"]}


def test_fork_storm_while_another_thread_uses_the_objects():
    got = both(fork_storm, STORM_FORKS)
    record(
        "fork",
        check="storm",
        forks_per_module=STORM_FORKS,
        **{f"{name}_{k}": v for name, figures in got.items() for k, v in figures.items()},
    )
    allowed = {"ok", "RuntimeError: concurrent poll() invocation"}
    for name, figures in got.items():
        assert set(figures["kinds"]) <= allowed, (name, figures)
        assert sum(figures["kinds"].values()) == 4 * STORM_FORKS


# -- os.register_at_fork hooks that use the objects ----------------------------------

#: What the hooks act on: None outside the test (hooks cannot be unregistered).
_HOOKED: dict = {}
_hooks_registered = False


def _hook(stage):
    if not _HOOKED:
        return
    log, objs, module = _HOOKED["log"], _HOOKED["objs"], _HOOKED["module"]
    r = _HOOKED["r"]
    if stage == "before":
        log.append(
            ("before", observe(lambda: objs["ep"].poll(0)), observe(lambda: objs["p"].poll(0)))
        )
    elif stage == "parent":
        log.append(("parent", observe(lambda: objs["ep"].poll(0))))
    else:  # the child: the usual "new event loop after fork" dance
        objs["ep"].close()
        objs["ep"] = module.epoll()
        objs["ep"].register(r, EPOLLIN)
        objs["p"] = module.poll()
        log.append(
            ("child", observe(lambda: objs["ep"].poll(0)), observe(lambda: objs["p"].poll(0)))
        )


def register_at_fork_hooks(module, _sels):
    global _hooks_registered
    if not _hooks_registered:
        os.register_at_fork(
            before=lambda: _hook("before"),
            after_in_parent=lambda: _hook("parent"),
            after_in_child=lambda: _hook("child"),
        )
        _hooks_registered = True
    with Pipes(1) as [(r, w)]:
        os.write(w, b"x")
        objs = {"ep": module.epoll(), "p": module.poll()}
        objs["ep"].register(r, EPOLLIN)
        objs["p"].register(r, POLLIN)
        log: list = []
        _HOOKED.update(log=log, objs=objs, module=module, r=r)
        try:

            def child(ch):
                return list(log), objs["ep"].closed

            child_log, child_closed = Child(child).join()
        finally:
            _HOOKED.clear()
            objs["ep"].close()
        return {"parent": log, "child": child_log, "child_ep_closed": child_closed}


def test_register_at_fork_hooks_using_the_objects():
    seen = assert_same(both(register_at_fork_hooks))
    assert [entry[0] for entry in seen["parent"]] == ["before", "parent"]
    assert [entry[0] for entry in seen["child"]] == ["before", "child"]
    assert seen["child"][1][1] == ("ok", [(seen["child"][1][1][1][0][0], EPOLLIN)])
    assert seen["child_ep_closed"] is False
