"""Shared fixtures: real pipes and socketpairs, hypothesis profiles.

Hypothesis profiles (HYPOTHESIS_PROFILE): ``dev`` (default, quick), ``ci``
(the budget CI runs) and ``slow`` (an opt-in long run: ``make test-slow``).
Each differential test states its own example count for ``ci``; ``slow``
multiplies it by ten.
"""

from __future__ import annotations

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
