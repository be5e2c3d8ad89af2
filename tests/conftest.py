"""Shared fixtures: real pipes and socketpairs, hypothesis profiles.

Hypothesis profiles (HYPOTHESIS_PROFILE): ``dev`` (default, quick), ``ci``
(the budget CI runs) and ``slow`` (an opt-in long run: ``make test-slow``).
Each differential test states its own example count for ``ci``; ``slow``
multiplies it by ten.

``RSELECT_LONG=1`` (set by ``make fuzz`` and ``make stress``) selects the long
versions of the reliability runs: bigger budgets, longer storms, more load.
``LONG`` is that flag.

Every test is checked for leaked descriptors: a descriptor number open after
the test (and its fixtures) that was not open before it fails the test, after
a garbage collection so that objects in reference cycles get their chance to
close. ``@pytest.mark.keeps_fds`` exempts a test that opens descriptors on
purpose for later tests (a module-wide pool).
"""

from __future__ import annotations

import gc
import os
import socket

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=False,
    print_blob=True,
)
settings.register_profile(
    "slow",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
settings.load_profile(PROFILE)
LONG = os.environ.get("RSELECT_LONG") == "1"


def examples(ci: int) -> int:
    """The example budget of a differential test for the active profile."""
    return {"dev": max(ci // 10, 50), "ci": ci, "slow": ci * 10}[PROFILE]


@pytest.fixture
def pipe():
    """A fresh pipe (r, w); both ends closed afterwards if still open."""
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass


@pytest.fixture
def socketpair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "keeps_fds: the test opens descriptors on purpose for later tests"
    )


def _open_fds() -> dict[int, str]:
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            fds[int(name)] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:  # the listing's own descriptor, gone by now
            pass
    return fds


@pytest.fixture(autouse=True)
def no_leaked_descriptors(request):
    """Fail the test if it leaves a new descriptor open (Linux: /proc/self/fd)."""
    if not os.path.isdir("/proc/self/fd") or request.node.get_closest_marker("keeps_fds"):
        yield
        return
    before = _open_fds()
    yield
    after = _open_fds()
    if after.keys() - before.keys():
        gc.collect()
        after = _open_fds()
    leaked = {fd: after[fd] for fd in sorted(after.keys() - before.keys())}
    if leaked:
        pytest.fail(f"descriptors left open by the test: {leaked}", pytrace=False)
