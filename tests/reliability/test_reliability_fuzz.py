"""Differential fuzzing, CI-sized: tools/fuzz/ against the stock module.

``tools/fuzz/`` drives the stock ``select``/``selectors`` and rselect side by
side over real pipes, socketpairs, a regular file and closed/reused numbers,
with hostile arguments, and counts every difference in result, exception
type, message, errno or warnings (its docstring says what it fuzzes and the
two classes of difference it does not count). Here:

- the CI-sized run: a bounded budget per API (2,000 operations; 100,000 with
  ``RSELECT_LONG=1``, as ``make fuzz`` runs it), in a subprocess so that a
  crash of the interpreter is a failure and not the end of the test session;
  zero divergences, figures recorded with ``record("fuzz", ...)``;
- self-tests: a fake "rselect" that differs from the real one in one message,
  one result or one errno is caught, minimised to one operation, written as a
  reproduction and replayed; the guard turns a call that blocks into the same
  ``Blocked`` outcome for both implementations;
- the divergences the fuzzer found (convert::c_int replaced an OverflowError
  raised by ``__index__``; convert::u32_bitwise called ``__index__`` twice),
  fixed since, kept as plain reproductions. A divergence reported but not
  yet fixed would go into ``tools.fuzz.common.KNOWN`` (counted apart, failing
  only ``--strict`` runs); the list is empty.

The coverage-guided target for the argument converters (atheris) is under
fuzz/ (fuzz/README.md); it is not part of the CI run.
"""

from __future__ import annotations

import json
import os
import random
import re
import select as stock
import subprocess
import sys
import time
import types
import warnings
from pathlib import Path

import pytest
import rselect
import rselect.selectors

from tests.support.figures import record
from tests.support.hostile import IndexRaises
from tests.support.modes import LONG
from tools import fuzz

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not hasattr(stock, "epoll"), reason="Linux: poll and epoll")

OPS = 100_000 if LONG else 2_000


def _seed() -> int:
    """Fixed in CI (reproducible); a fresh one per long run (more ground),
    printed and recorded. RSELECT_FUZZ_SEED overrides both."""
    if "RSELECT_FUZZ_SEED" in os.environ:
        return int(os.environ["RSELECT_FUZZ_SEED"])
    return random.randrange(2**31) if LONG else 0


# -- the run -------------------------------------------------------------------------


@pytest.mark.serial
def test_fuzz_run_has_no_divergence(tmp_path):
    seed = _seed()
    figures = tmp_path / "fuzz.json"
    out = tmp_path / "repros"
    cmd = [sys.executable, "-m", "tools.fuzz", "--ops", str(OPS), "--seed", str(seed)]
    cmd += ["--json", str(figures), "--out", str(out), "--watchdog", "600"]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, cwd=ROOT)
    wall = time.monotonic() - start
    assert proc.returncode in (0, 1), f"the fuzzer died ({proc.returncode}):\n{proc.stderr}"
    data = json.loads(figures.read_text())
    apis = data["apis"]
    repros = {p.name: p.read_text() for p in sorted(out.glob("*.repro"))}
    record(
        "fuzz",
        seed=seed,
        ops_per_api=OPS,
        wall_seconds=round(wall, 1),
        ops={k: v["ops"] for k, v in apis.items()},
        ops_per_second={k: v["ops_per_second"] for k, v in apis.items()},
        descriptor_changes={k: v["pool_actions"] for k, v in apis.items()},
        divergences={k: v["divergences"] for k, v in apis.items()},
        distinct={k: v["distinct"] for k, v in apis.items()},
        known={k: v["known"] for k, v in apis.items() if v["known"]},
        guard_timeouts_not_confirmed={k: v["unconfirmed_timing"] for k, v in apis.items()},
        skipped={k: v["skipped"] for k, v in apis.items() if v["skipped"]},
        command=f"python -m tools.fuzz --ops {OPS} --seed {seed}",
    )
    divergent = {k: v["divergences"] for k, v in apis.items() if v["divergences"]}
    assert not divergent, f"seed {seed}: divergences {divergent}\n" + "\n".join(
        repros[n] for n in repros if "-known-" not in n
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for api in ("select", "poll", "epoll", "epoll_new", "selectors"):
        assert apis[api]["ops"] >= OPS, (api, apis[api])
        assert apis[api]["pool_actions"] > 0 or api == "epoll_new", (api, apis[api])
    # kevent: neither module has one on Linux; the run says why it skipped it.
    assert apis["kevent"]["skipped"] and apis["kevent"]["ops"] == 0
    assert re.search(r"^select +\d+ operations", proc.stdout, re.M), proc.stdout
    assert "total:" in proc.stdout


# -- the fuzzer catches what it should -----------------------------------------------


def _fake(**overrides) -> types.ModuleType:
    """rselect's namespace with some names replaced."""
    fake = types.ModuleType("select")
    fake.__dict__.update({k: v for k, v in vars(rselect).items() if not k.startswith("__")})
    fake.__dict__.update(overrides)
    return fake


def _select_with_other_message(*args):
    try:
        return rselect.select(*args)
    except ValueError as exc:
        if str(exc) == "timeout must be non-negative":
            raise ValueError("timeout must be positive") from None
        raise


class _PollDroppingNval:
    """A poll object that leaves POLLNVAL entries out of its results."""

    def __init__(self):
        self._p = rselect.poll()

    def register(self, *args):
        return self._p.register(*args)

    def modify(self, *args):
        return self._p.modify(*args)

    def unregister(self, *args):
        return self._p.unregister(*args)

    def poll(self, *args):
        return [(fd, ev) for fd, ev in self._p.poll(*args) if not ev & stock.POLLNVAL]


class _EpollWithOtherErrno:
    """An epoll whose register() reports EBADF as ENOENT (epoll cannot be
    subclassed, in stock as in rselect: a wrapper)."""

    def __init__(self, *args, _inner=None, **kwargs):
        self._e = _inner if _inner is not None else rselect.epoll(*args, **kwargs)

    @classmethod
    def fromfd(cls, fd, /):  # positional only, as epoll.fromfd: fromfd(fd=...) adopts nothing
        return cls(_inner=rselect.epoll.fromfd(fd))

    def register(self, *args, **kwargs):
        try:
            return self._e.register(*args, **kwargs)
        except OSError as exc:
            if exc.errno == 9:
                exc.errno = 2
            raise

    def __getattr__(self, name):
        return getattr(self._e, name)

    def __enter__(self):
        self._e.__enter__()
        return self

    def __exit__(self, *args):
        return self._e.__exit__(*args)


FAKES = {
    "select-message": ("select", {"select": _select_with_other_message}),
    "poll-result": ("poll", {"poll": _PollDroppingNval}),
    "epoll-errno": ("epoll", {"epoll": _EpollWithOtherErrno}),
}


@pytest.mark.parametrize("name", sorted(FAKES))
def test_fuzzer_catches_a_fake_and_replays_it(name, tmp_path):
    api, overrides = FAKES[name]
    fake = fuzz.Impl(ours=_fake(**overrides), ours_selectors=rselect.selectors)
    results = fuzz.run([api], ops=3000, seed=1, impl=fake, out=tmp_path, report=None)
    stats = results[api]
    assert stats.divergences >= 1, stats
    repros = [p for p in tmp_path.glob(f"{api}-*.repro") if not _aside(p)]
    assert repros, list(tmp_path.iterdir())
    text = repros[0].read_text()
    ns: dict = {"nan": float("nan"), "inf": float("inf")}
    exec(text, ns)
    # Minimised: the object's creation, at most a setup step or two, the call.
    assert ns["API"] == api and 2 <= len(ns["OPS"]) <= 4, text
    assert "# stock:" in text and "# rselect:" in text
    # The reproduction diverges with the fake, and not with the real rselect.
    assert fuzz.replay_file(str(repros[0]), impl=fake) == 1
    assert fuzz.replay_file(str(repros[0])) == 0


def test_clean_run_writes_nothing(tmp_path):
    results = fuzz.run(["poll"], ops=300, seed=3, out=tmp_path, report=None)
    assert results["poll"].ops == 300 and results["poll"].divergences == 0
    assert not [p for p in tmp_path.glob("*.repro") if not _aside(p)]


class _BlockingSelect:
    """select() that raises the guard's Blocked on its n-th call only (a
    preempted call), or on every call with a 0.0001 s timeout (a real hang)."""

    def __init__(self, nth=None):
        self.nth = nth
        self.calls = 0

    def __call__(self, *args):
        self.calls += 1
        if self.calls == self.nth or (self.nth is None and args[3] == 0.0001):
            raise fuzz.Blocked("still waiting when the guard fired")
        return rselect.select(*args)


@pytest.mark.parametrize("once", [True, False], ids=["once", "always"])
def test_guard_timeouts_are_confirmed_by_replay(once, tmp_path):
    """A Blocked on one side that replay cannot reproduce is put aside (and
    written as -timing-); one that replay reproduces is a divergence."""
    fake = _fake(select=_BlockingSelect(nth=50 if once else None))
    impl = fuzz.Impl(ours=fake, ours_selectors=rselect.selectors)
    stats = fuzz.run(["select"], ops=1500, seed=2, impl=impl, out=tmp_path, report=None)
    stats = stats["select"]
    timing = list(tmp_path.glob("select-timing-*.repro"))
    if once:
        assert (stats.divergences, stats.unconfirmed_timing, len(timing)) == (0, 1, 1), stats
    else:
        assert stats.divergences >= 1 and stats.unconfirmed_timing == 0, stats
        assert not timing


def _aside(path: Path) -> bool:
    """Repros of known divergences and of unconfirmed guard timeouts."""
    return "-known-" in path.name or "-timing-" in path.name


def test_same_seed_same_operations():
    """The generator is seeded: a run is reproducible from its seed."""

    def ops(seed):
        rng = random.Random(f"{seed}:epoll")
        env = fuzz.Env()
        try:
            pool = env.pool()
            session = fuzz.EpollSession(fuzz.default_impl(), pool)
            try:
                return [session.gen(rng) for _ in range(200)]
            finally:
                pool.close_all()
        finally:
            env.close()

    assert repr(ops(5)) == repr(ops(5))
    assert repr(ops(5)) != repr(ops(6))


@pytest.mark.serial
@pytest.mark.parametrize("module", [stock, rselect], ids=["stock", "rselect"])
def test_guard_turns_a_blocking_call_into_blocked(module, pipe):
    r, _ = pipe
    env = fuzz.Env()
    try:
        start = time.monotonic()
        res = fuzz.outcome(fuzz.guarded(lambda: module.select([r], [], [], None)))
        elapsed = time.monotonic() - start
        p = module.poll()
        p.register(r)
        res2 = fuzz.outcome(fuzz.guarded(lambda: p.poll(-1)))
    finally:
        env.close()
    assert res[:3] == ("raise", fuzz.Blocked, "still waiting when the guard fired")
    assert res2[:2] == ("raise", fuzz.Blocked)
    assert fuzz.GUARD_SECONDS <= elapsed < 2


def test_may_block_classifies_timeouts():
    mb = fuzz.may_block
    assert mb(None, 1.0, False) and mb(("n",), 1.0, False)
    assert mb(("i", 1), 1.0, False) and mb(("i", 255), 1e-3, True)
    assert not mb(("i", 0), 1.0, True) and not mb(("f", 0.001), 1.0, False)
    assert not mb(("f", float("nan")), 1.0, True) and not mb(("s", "1"), 1.0, True)
    assert mb(("i", -1), 1e-3, True) and not mb(("i", -1), 1.0, False)
    assert mb(("idx", ("i", 2**1000)), 1.0, False) and not mb(("idxraise", "ValueError"), 1, 0)
    # Refused by stock before 3.15, real numbers from 3.15: guarded all the same.
    assert mb(("dec", "0"), 1.0, False) and mb(("frac", 1, 2), 1e-3, True)
    assert mb(("real", ("f", 0.0)), 1.0, False) and mb(("realraise", "ValueError"), 1, 0)


# -- divergences the fuzzer found, fixed since (their reproductions) ---------------


class _CountingIndex:
    calls = 0

    def __init__(self, value):
        self.value = value

    def __index__(self):
        type(self).calls += 1
        return self.value


class _IntSub(int):
    pass


def _outcome(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return ("ok", call(), len(caught))
        except Exception as exc:
            return ("raise", type(exc), str(exc), len(caught))


def test_no_known_divergences_left():
    assert fuzz.KNOWN == []


@pytest.mark.parametrize("where", ["epoll(sizehint)", "epoll(flags)", "epoll.poll(maxevents)"])
def test_c_int_keeps_the_overflow_error_raised_by_index(where):
    def call(module):
        if where == "epoll(sizehint)":
            return module.epoll(IndexRaises(OverflowError))
        if where == "epoll(flags)":
            return module.epoll(flags=IndexRaises(OverflowError))
        with module.epoll() as ep:
            return ep.poll(0, IndexRaises(OverflowError))

    want = _outcome(lambda: call(stock))
    assert want == ("raise", OverflowError, "__index__ failed", 0), "stock reference changed"
    assert _outcome(lambda: call(rselect)) == want


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**64 + 3, _IntSub(2**70)], ids=repr)
@pytest.mark.parametrize("method", ["register", "modify"])
def test_epoll_mask_calls_index_once(value, method):
    results = []
    for module in (stock, rselect):
        _CountingIndex.calls = 0
        with module.epoll() as ep:
            res = _outcome(lambda ep=ep: getattr(ep, method)(10**6, _CountingIndex(value)))
        results.append((res, _CountingIndex.calls))
    assert results[0][1] == 1, "stock reference changed"
    assert results[1] == results[0]
