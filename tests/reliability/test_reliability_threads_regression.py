"""A deadlock the threads hammer found (fixed), kept as a deterministic test."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.reliability.threads.waiting import LINUX_PROC

pytestmark = LINUX_PROC

# -- a bug found by the hammer (fixed: Poll::modify_fd drops its lock first) ------------------

_MODIFY_DEADLOCK = """
import faulthandler, os, sys, threading, time
faulthandler.dump_traceback_later(2, exit=True)
mod = __import__(sys.argv[1])
p = mod.poll()
r, w = os.pipe()
real_strerror = os.strerror
entered, calling = threading.Event(), threading.Event()

def strerror(code):  # rselect takes the OSError's text from os.strerror
    entered.set()
    calling.wait(5)  # without the GIL: the other thread gets to run register()
    time.sleep(0.2)
    return real_strerror(code)

os.strerror = strerror

def other():
    if entered.wait(0.3):
        calling.set()
        p.register(w, mod.POLLOUT)

t = threading.Thread(target=other)
t.start()
try:
    p.modify(r, mod.POLLIN)  # not registered: OSError(ENOENT)
except FileNotFoundError:
    pass
t.join()
print("done")
"""


@pytest.mark.parametrize("module", ["select", "rselect"])
def test_poll_modify_error_does_not_deadlock(module):
    """Python code run while poll.modify() raises must not hold the object's lock.

    The hammer found it (8 threads on one poll object, 3.13): the first
    ``modify()`` of an unregistered descriptor in the process hung it. That
    first-time initialisation is a race; a Python ``os.strerror`` (called by
    rselect for every such error, never by the stock module) makes the same
    lock-while-running-Python window deterministic."""
    child = subprocess.run(
        [sys.executable, "-c", _MODIFY_DEADLOCK, module],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Timeout (" not in child.stderr, child.stderr[-3000:]
    assert child.returncode == 0 and child.stdout.strip() == "done", child.stderr[-3000:]
