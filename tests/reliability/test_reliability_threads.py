"""The threads hammer (tests/threads/hammer.py says what it does and checks)
run in child processes with the stock modules and with rselect, and run with
faults injected to show that each check can fail. Figures:
``record("threads", ...)`` per target (results/reliability/threads.jsonl).
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import signal
import subprocess
import sys

import pytest

from tests.reliability.threads import hammer
from tests.reliability.threads.hammer import (
    SWITCH_INTERVAL,
    THREADS,
    allowed_for,
    matches,
    watchdog_seconds,
)
from tests.reliability.threads.waiting import LINUX_PROC
from tests.support.figures import record
from tests.support.modes import LONG

pytestmark = LINUX_PROC

STRESS_SECONDS = float(os.environ.get("RSELECT_STRESS_SECONDS") or (60 if LONG else 2))
#: target -> share of STRESS_SECONDS (the stock and rselect runs go side by side)
TARGETS = {"poll": 1.0, "epoll": 1.0, "EpollSelector": 0.5, "PollSelector": 0.5}


def _spawn(module: str, target: str, seconds: float, seed: int, watchdog: float, env=None):
    return subprocess.Popen(
        [
            sys.executable,
            hammer.__file__,
            "hammer",
            module,
            target,
            str(seconds),
            str(seed),
            str(watchdog),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.abspath(hammer.__file__)),
        env=env,
    )


def _collect(child: subprocess.Popen, watchdog: float) -> dict:
    """The child's figures, or {"failure": what happened to it}."""
    bound = watchdog + 30  # the child's own watchdog fires first
    try:
        out, err = child.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return {"failure": f"killed after {bound:.0f} s (even faulthandler hung)"}
    if child.returncode < 0:
        sig = signal.Signals(-child.returncode).name
        return {"failure": f"crashed with {sig}:\n{err[-6000:]}"}
    if "Timeout (" in err:
        return {"failure": f"deadlock, faulthandler's dump:\n{err[-8000:]}"}
    if child.returncode != 0:
        return {"failure": f"exit status {child.returncode}:\n{err[-6000:]}"}
    return json.loads(out.strip().splitlines()[-1])


def _run_children(target: str, seconds: float, seed: int) -> dict[str, dict]:
    """The hammer on ``target`` with each module, both children at once."""
    watchdog = watchdog_seconds(seconds)
    children = {
        name: _spawn(name, target, seconds, seed, watchdog) for name in ("stock", "rselect")
    }
    return {name: _collect(child, watchdog) for name, child in children.items()}


def _failures(where: str, target: str, res: dict) -> list[str]:
    """What is wrong with one child's run (an empty list: nothing)."""
    if "failure" in res:
        return [f"{where}: {res['failure']}"]
    failures = [f"{where}: {v}" for v in res["violations"]]
    if res["leaked_fds"]:
        failures.append(f"{where}: descriptors left open {res['leaked_fds']}")
    failures += [
        f"{where}: not a stock exception: {e}" for e in _unexpected(target, res["exceptions"])
    ]
    # The hammer did what it claims: every operation ran, descriptors were
    # closed while a poll was in progress, concurrent polls were rejected.
    missing = [op for op in ("close_fd", "reopen", "write", "drain") if not res["ops"].get(op)]
    if missing:
        failures.append(f"{where}: operations never run: {missing}")
    if not res["closes_during_wait"]:
        failures.append(f"{where}: no descriptor was closed during a poll")
    if target in ("poll", "PollSelector") and not res["runtime_errors"]:
        failures.append(f"{where}: no concurrent poll() invocation in {res['poll_calls']} polls")
    if target in ("poll", "epoll") and not res["model_checks"]:
        failures.append(f"{where}: the modelled half checked nothing")
    return failures


def _unexpected(target: str, exceptions: list) -> list:
    """The (op, type, message, errno, count) entries no ALLOWED pattern admits."""
    return [
        entry
        for entry in exceptions
        if not any(matches(a, entry[1], entry[2]) for a in allowed_for(target, entry[0]))
    ]


@pytest.mark.parametrize("target", list(TARGETS))
def test_hammer(target):
    seconds = round(STRESS_SECONDS * TARGETS[target], 3)
    seed = int(os.environ.get("RSELECT_STRESS_SEED") or random.randrange(2**31))
    results = _run_children(target, seconds, seed)
    failures = []
    for name, res in results.items():
        failures += _failures(f"{name} ({target}, seed {seed})", target, res)

    def figures(res):
        if "failure" in res:
            return {"failure": res["failure"][:200]}
        by_type = collections.Counter()
        for _op, type_name, _msg, _errno, n in res["exceptions"]:
            by_type[type_name] += n
        total = sum(res["ops"].values())
        return {
            "ops": total,
            "ops_per_second": round(total / max(res["seconds"], 1e-9)),
            "ops_by_kind": res["ops"],
            "exceptions_by_type": dict(by_type),
            "exceptions": res["exceptions"],
            "runtime_errors": res["runtime_errors"],
            "poll_calls": res["poll_calls"],
            "overlapping_polls": res["overlapping_polls"],
            "closes_during_wait": res["closes_during_wait"],
            "model_checks": res["model_checks"],
            "wall_seconds": res["seconds"],
            "violations": len(res["violations"]),
        }

    record(
        "threads",
        target=target,
        threads=THREADS,
        seconds=seconds,
        seed=seed,
        switch_interval=SWITCH_INTERVAL,
        stock=figures(results["stock"]),
        rselect=figures(results["rselect"]),
    )
    assert not failures, "\n".join(failures[:30])


#: injected fault -> what the checks must report (a pattern)
FAULTS = {
    "crash": r"crashed with SIGABRT",
    "hang": r"deadlock, faulthandler's dump",
    "leak": r"descriptors left open",
    # A lost registration shows in the modelled half, at the latest at its end.
    "lose-register": r"the model says|of a model registration",
    "wrong-mask": r"after the modelled half poll\(0\) gives",
    "foreign-exception": r"not a stock exception: \['unregister', 'SystemError'",
    "spurious-busy": r"concurrent poll\(\) invocation without another poll",
}


def test_the_hammer_catches_injected_faults():
    """Each check can fail: a run of the poll hammer (stock) per injected fault,
    all at once, must be reported with the right diagnosis."""
    children = {}
    for fault in FAULTS:
        env = {**os.environ, "RSELECT_THREADS_FAULT": fault}
        watchdog = 1.5 if fault == "hang" else 30
        children[fault] = (_spawn("stock", "poll", 0.6, 1, watchdog, env), watchdog)
    reports = {
        fault: _failures(fault, "poll", _collect(child, watchdog))
        for fault, (child, watchdog) in children.items()
    }
    for fault, failures in reports.items():
        assert any(re.search(FAULTS[fault], f) for f in failures), (fault, failures[:5])
