"""Free-threaded interpreters (3.14t, 3.15t): importing rselect must not
switch the GIL back on, and the threads tests (tests/reliability/test_reliability_threads*.py,
tests/api/test_poll_epoll_threads.py) run there without it. No free-threaded
interpreter can be had on the development machine: on a GIL build these tests
SKIP, naming what did not run (the build is checked by
scripts/check-freethreaded.sh instead).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))

pytestmark = pytest.mark.skipif(
    not FREE_THREADED,
    reason=f"not a free-threaded interpreter ({sys.version.split()[0]} has a GIL): "
    "the 3.14t/3.15t run of the thread hammer did not happen here",
)


def test_import_keeps_the_gil_off():
    code = (
        "import sys, warnings; warnings.simplefilter('error'); "
        "import rselect, rselect.selectors; rselect.install(); import asyncio; "
        "print(sys._is_gil_enabled())"
    )
    proc = subprocess.run(
        [sys.executable, "-X", "gil=0", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert (proc.returncode, proc.stdout.strip()) == (0, "False"), proc.stderr


def test_thread_hammer_without_the_gil():
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "gil=0",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "reliability/test_reliability_threads.py",
            "reliability/test_reliability_threads_witnesses.py",
            "reliability/test_reliability_threads_interleavings.py",
            "reliability/test_reliability_threads_regression.py",
            "api/test_poll_epoll_threads.py",
        ],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
