"""Shared fixtures: real pipes and socketpairs, hypothesis profiles.

Hypothesis profiles (HYPOTHESIS_PROFILE): ``dev`` (default, quick), ``ci``
(the budget CI runs) and ``slow`` (an opt-in long run: ``make test-slow``).
Each differential test states its own example count for ``ci``
(``tests.support.modes.examples``); ``slow`` multiplies it by ten.

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

from tests.support.fds import open_fds
from tests.support.modes import PROFILE

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
settings.load_profile(PROFILE)


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


@pytest.fixture(autouse=True)
def no_leaked_descriptors(request):
    """Fail the test if it leaves a new descriptor open (Linux: /proc/self/fd)."""
    if not os.path.isdir("/proc/self/fd") or request.node.get_closest_marker("keeps_fds"):
        yield
        return
    before = open_fds()
    yield
    after = open_fds()
    if after.keys() - before.keys():
        gc.collect()
        after = open_fds()
    leaked = {fd: after[fd] for fd in sorted(after.keys() - before.keys())}
    if leaked:
        pytest.fail(f"descriptors left open by the test: {leaked}", pytrace=False)
