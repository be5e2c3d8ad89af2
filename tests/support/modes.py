"""The run modes the environment selects: the hypothesis profile
(HYPOTHESIS_PROFILE: ``dev`` by default, ``ci``, ``slow``) and ``LONG``
(RSELECT_LONG=1, set by ``make fuzz`` and ``make stress``: the long versions
of the reliability runs). tests/conftest.py registers the profiles."""

from __future__ import annotations

import os

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
LONG = os.environ.get("RSELECT_LONG") == "1"


def examples(ci: int) -> int:
    """The example budget of a differential test for the active profile."""
    return {"dev": max(ci // 10, 50), "ci": ci, "slow": ci * 10}[PROFILE]
