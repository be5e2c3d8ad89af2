"""``python -m rselect bench`` and the private floor timer behind it.

Not timing tests: these check that every scenario runs with both modules and
the floor on real descriptors, that the output carries what it claims, and
that the floor refuses to time calls that fail."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest
from rselect import _rselect
from rselect._bench_scenarios import BY_NAME, SCENARIOS


def test_floor_times_real_calls(pipe):
    r, w = pipe
    ns = _rselect._floor("select-w", 10, fds=[w])
    assert ns > 0
    assert _rselect._floor("poll", 10, fds=[r, w], events=_rselect.POLLOUT) > 0
    ep = _rselect.epoll()
    try:
        ep.register(w, _rselect.EPOLLOUT)
        assert _rselect._floor("epoll-wait", 10, epfd=ep.fileno(), maxevents=8) > 0
        assert (
            _rselect._floor(
                "epoll-modify", 10, fds=[w], epfd=ep.fileno(), events=1, events2=4, maxevents=8
            )
            > 0
        )
        # Adding what is registered fails at once: a floor that did nothing
        # would be a lie.
        with pytest.raises(FileExistsError):
            _rselect._floor("epoll-add-del", 1, fds=[w], epfd=ep.fileno(), events=4)
    finally:
        ep.close()


def test_floor_rejects_bad_input(pipe):
    r, w = pipe
    os.close(r)
    with pytest.raises(OSError) as info:
        _rselect._floor("select-r", 1, fds=[r])
    assert info.value.errno == errno.EBADF
    with pytest.raises(ValueError, match="unknown floor op"):
        _rselect._floor("nothing", 1)
    with pytest.raises(ValueError, match="fds must name a descriptor"):
        _rselect._floor("epoll-add-del", 1, epfd=w)


def test_floor_is_private():
    import rselect

    assert "_floor" not in rselect.__all__


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_every_scenario_runs_and_cleans_up(name):
    """Each scenario on each module it claims, with its floor, leaves no
    descriptor behind."""
    import select as stock

    import rselect

    scenario = BY_NAME[name]
    if "100000" in name:
        pytest.skip("the 100,000-registration setup is exercised by the bench run itself")
    before = set(os.listdir("/proc/self/fd"))
    modules = [stock, rselect] if scenario.stock else [rselect]
    for module in modules:
        case = scenario.make(module)
        try:
            for _ in range(3):
                case.call()
            if module is rselect and case.floor is not None:
                assert _rselect._floor(loops=3, **case.floor) > 0
        finally:
            case.cleanup()
    assert set(os.listdir("/proc/self/fd")) <= before


def test_bench_command_json(tmp_path):
    out = tmp_path / "bench.json"
    filters = ["epoll-idle-1", "poll-register", "high-fd-ready-1"]
    proc = subprocess.run(
        [sys.executable, "-m", "rselect", "bench", "--quick", "--passes", "1",
         *(arg for f in filters for arg in ("--filter", f)), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    rows = {r["scenario"]: r for r in data["rows"]}
    # --filter picks by substring, also under --quick
    assert set(rows) == {s.name for s in SCENARIOS if any(f in s.name for f in filters)}
    assert {"epoll-idle-1000", "epoll-register-unregister", "select-high-fd-ready-100"} <= set(rows)
    idle = rows["epoll-idle-1"]
    assert idle["stock_ns"] > 0 and idle["rselect_ns"] > 0 and idle["floor_ns"] > 0
    assert idle["ratio"] == pytest.approx(idle["rselect_ns"] / idle["stock_ns"])
    assert rows["poll-register-unregister"]["floor_ns"] is None  # no system call
    assert rows["select-high-fd-ready-1"]["stock_ns"] is None  # stock cannot
    assert data["machine"]["python"] == ".".join(map(str, sys.version_info[:3]))
    # the table names every scenario and the progress went to stderr
    for name in rows:
        assert name in proc.stdout
    assert "scenarios, about" in proc.stderr


def test_bench_plot_needs_matplotlib_or_draws(tmp_path):
    png = tmp_path / "plot.png"
    proc = subprocess.run(
        [sys.executable, "-m", "rselect", "bench", "--passes", "1", "--filter", "epoll-idle",
         "--plot", str(png)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert proc.returncode != 0
        assert "needs matplotlib" in proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
