"""Threads for tests that wait in one thread while another acts.

Standard library only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class Waiter(threading.Thread):
    """Runs ``fn`` in a daemon thread and keeps its result or exception, and
    how long it took (``elapsed``, from ``started_at``, monotonic seconds)."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.started_at = 0.0
        self.result: Any = None
        self.error: BaseException | None = None
        self.elapsed = -1.0

    def run(self) -> None:
        self.started_at = time.monotonic()
        try:
            self.result = self.fn()
        except BaseException as exc:
            self.error = exc
        self.elapsed = time.monotonic() - self.started_at

    def finish(self, timeout: float = 10.0) -> Any:
        """Join; the result, or the exception ``fn`` raised, raised again."""
        self.join(timeout)
        assert not self.is_alive(), "the waiting thread never returned"
        if self.error is not None:
            raise self.error
        return self.result


def progress_during(wait: Callable[[], object]) -> int:
    """How many times a spinning thread counted while ``wait()`` ran: large
    when ``wait`` released the GIL."""
    count = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal count
        while not stop.is_set():
            count += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.01)
        before = count
        wait()
        during = count - before
    finally:
        stop.set()
        t.join()
    return during
