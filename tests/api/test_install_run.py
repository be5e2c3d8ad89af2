"""rselect.install()/uninstall() and ``python -m rselect run``.

install() changes process-wide state, so every case runs in a fresh
interpreter. ``run`` is checked differentially: the same program run directly
by the interpreter and through ``python -m rselect run`` must print the same
thing, on the same streams, with the same exit status (only the ``select``
module differs, and the program reports which one it got).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

PY = sys.executable


def python(*args: str, cwd: Path | None = None, env_extra: dict | None = None, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RSELECT_")}
    env.update(env_extra or {})
    return subprocess.run(
        [PY, *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check(code: str, cwd: Path | None = None) -> str:
    proc = python("-c", textwrap.dedent(code), cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# --------------------------------------------------------------- install()


def test_install_after_the_stdlib_captured_the_stock_module():
    out = check(
        """
        import asyncio, pty, selectors, socket, socketserver, subprocess, sys
        import multiprocessing.connection
        import select as stock
        keep = [stock]                    # a reference install() does not look into
        held = keep[0]
        import rselect
        from rselect import _rselect
        assert not rselect.installed()
        rselect.install()
        rselect.install()                 # idempotent
        assert rselect.installed()
        assert sys.modules["select"] is _rselect
        import select
        assert select is _rselect
        assert stock is _rselect          # __main__'s own global was rebound too
        assert selectors.select is _rselect
        assert selectors.SelectSelector._select is _rselect.select
        assert selectors.PollSelector._selector_cls is _rselect.poll
        assert selectors.EpollSelector._selector_cls is _rselect.epoll
        assert subprocess.select is _rselect
        assert pty.select is _rselect.select
        # the stock module itself is untouched
        held = keep[0]
        assert held.select is not _rselect.select and held.poll is not _rselect.poll

        async def echo():
            loop = asyncio.get_running_loop()
            assert type(loop._selector._selector) is _rselect.epoll
            a, b = socket.socketpair()
            r1, w1 = await asyncio.open_connection(sock=a)
            r2, w2 = await asyncio.open_connection(sock=b)
            w1.write(b"ping")
            data = await r2.readexactly(4)
            for w in (w1, w2):
                w.close()
            return data

        assert asyncio.run(echo()) == b"ping"
        out = subprocess.run([sys.executable, "-c", "print(42)"], capture_output=True).stdout
        assert out.strip() == b"42"          # communicate() goes through selectors

        rselect.uninstall()
        rselect.uninstall()               # idempotent
        assert not rselect.installed()
        assert sys.modules["select"] is held
        assert stock is held and selectors.select is held
        assert selectors.EpollSelector._selector_cls is held.epoll
        assert selectors.SelectSelector._select is held.select
        assert pty.select is held.select and subprocess.select is held
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_install_first_thing_then_uninstall_restores_modules_imported_meanwhile(tmp_path):
    (tmp_path / "thirdparty.py").write_text(
        "import select\nfrom select import epoll\nfrom select import select as sel\n"
    )
    out = check(
        """
        import sys
        import rselect
        from rselect import _rselect
        rselect.install()
        assert "selectors" not in sys.modules   # swapped at its first import
        import selectors, thirdparty, asyncio
        assert selectors.__name__ == "rselect.selectors"
        assert asyncio.selector_events.selectors is selectors
        assert selectors.EpollSelector._selector_cls is _rselect.epoll
        assert thirdparty.select is _rselect and thirdparty.epoll is _rselect.epoll
        rselect.uninstall()
        stock = sys.modules["select"]
        assert stock is not _rselect and stock.__name__ == "select"
        # the stdlib selectors is imported for the modules that took ours
        selectors = sys.modules["selectors"]
        assert selectors.__name__ == "selectors"
        assert asyncio.selector_events.selectors is selectors
        # stdlib modules imported while installed go back entirely
        assert selectors.select is stock
        assert selectors.EpollSelector._selector_cls is stock.epoll
        # elsewhere only the module reference: `from select import epoll` may
        # have meant rselect's on purpose
        assert thirdparty.select is stock
        assert thirdparty.epoll is _rselect.epoll
        import select
        assert select is stock
        print("ok")
        """,
        cwd=tmp_path,
    )
    assert out.strip() == "ok"


def test_install_rebinds_third_party_modules_imported_before(tmp_path):
    (tmp_path / "thirdparty.py").write_text(
        textwrap.dedent(
            """
            import select
            from select import epoll, poll

            class Loop:
                impl = epoll
                wait = staticmethod(select.select)
            """
        )
    )
    out = check(
        """
        import rselect, thirdparty
        from rselect import _rselect
        stock = thirdparty.select
        rselect.install()
        assert thirdparty.select is _rselect
        assert thirdparty.epoll is _rselect.epoll and thirdparty.poll is _rselect.poll
        assert thirdparty.Loop.impl is _rselect.epoll
        rselect.uninstall()
        assert thirdparty.select is stock and thirdparty.epoll is stock.epoll
        assert thirdparty.Loop.impl is stock.epoll
        print("ok")
        """,
        cwd=tmp_path,
    )
    assert out.strip() == "ok"


def test_installed_tracks_sys_modules():
    out = check(
        """
        import sys, rselect
        rselect.install()
        stock = rselect._install.stock_module("select")
        assert stock.__name__ == "select" and stock is not rselect._rselect
        sys.modules["select"] = stock      # someone undid it by hand
        assert not rselect.installed()
        rselect.install()                  # puts it back
        assert rselect.installed()
        print("ok")
        """
    )
    assert out.strip() == "ok"


# ----------------------------------------------------------------- run


REPORT = """\
import sys
print("argv", sys.argv)
print("path0", repr(sys.path[0]))
print("file", globals().get("__file__"))
print("name", __name__, __spec__ and __spec__.name, __package__)
print("main", sys.modules["__main__"].__dict__ is globals())
print("globals", sorted(k for k in globals() if k.startswith("__")))
"""

PROGRAM = (
    REPORT
    + """\
import select
print("SELECT", select.__name__, file=sys.stderr)
what = sys.argv[1] if len(sys.argv) > 1 else ""
if what == "raise":
    def inner():
        raise ValueError("boom")
    inner()
if what == "exit":
    sys.exit(int(sys.argv[2]))
if what == "exitmsg":
    sys.exit("leaving")
"""
)


def _differential(args: list[str], cwd: Path, stdin=None):
    direct = python(*args, cwd=cwd, stdin=stdin)
    ours = python("-m", "rselect", "run", *args, cwd=cwd, stdin=stdin)
    if "SELECT" in direct.stderr:
        assert "SELECT select\n" in direct.stderr
        assert "SELECT rselect._rselect\n" in ours.stderr, ours.stderr
    assert ours.stdout == direct.stdout
    assert ours.stderr.replace("SELECT rselect._rselect", "SELECT select") == direct.stderr
    assert ours.returncode == direct.returncode
    return ours


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "__main__.py").write_text(PROGRAM)
    (tmp_path / "pkg" / "mod.py").write_text(PROGRAM)
    (tmp_path / "prog.py").write_text(PROGRAM)
    (tmp_path / "link.py").symlink_to(tmp_path / "pkg" / "mod.py")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__main__.py").write_text(PROGRAM)
    with zipfile.ZipFile(tmp_path / "app.zip", "w") as z:
        z.writestr("__main__.py", PROGRAM)
    (tmp_path / "bad.py").write_text("x = 1\ndef f(:\n    pass\n")
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["prog.py"],
        ["prog.py", "a", "b c", "--flag"],
        ["prog.py", "raise"],
        ["prog.py", "exit", "7"],
        ["prog.py", "exit", "0"],
        ["prog.py", "exitmsg"],
        ["link.py", "raise"],
        ["./pkg/mod.py", "x"],
        ["-m", "pkg.mod", "a"],
        ["-m", "pkg.mod", "raise"],
        ["-m", "pkg", "exit", "3"],
        ["-mpkg.mod", "exitmsg"],
        ["-m", "nonexistent_module_xyz"],
        ["app", "y"],
        ["app.zip", "raise"],
        ["missing.py"],
        ["bad.py"],
        ["-c", PROGRAM, "raise"],
        ["-c", PROGRAM, "exit", "5"],
        ["-c", "import sys; print(sys.argv)", "-c", "--", "x"],
    ],
)
def test_run_behaves_like_a_direct_run(tree, args):
    _differential(args, tree)


def test_run_stdin_program(tree):
    _differential(["-", "q"], tree, stdin=PROGRAM)


def test_run_keyboard_interrupt_ends_by_sigint(tree):
    (tree / "ki.py").write_text(
        "import atexit\natexit.register(lambda: print('atexit ran'))\nraise KeyboardInterrupt\n"
    )
    ours = _differential(["ki.py"], tree)
    assert ours.returncode == -signal.SIGINT
    assert "atexit ran" in ours.stdout


CHILDREN = """\
import select, subprocess, sys
print("parent", select.__name__)
for flags in ([], ["-E"], ["-I"], ["-S"]):
    out = subprocess.run(
        [sys.executable, *flags, "-c", "import select; print(select.__name__)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    print("child", *flags, out)
"""


def test_run_reaches_python_children(tmp_path):
    (tmp_path / "children.py").write_text(CHILDREN)
    out = python("-m", "rselect", "run", "children.py", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "parent rselect._rselect",
        "child rselect._rselect",
        "child -E rselect._rselect",
        "child -I rselect._rselect",
        "child -S select",  # no site module, no startup hook
    ]


def test_run_no_children(tmp_path):
    (tmp_path / "children.py").write_text(CHILDREN)
    out = python("-m", "rselect", "run", "--no-children", "children.py", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "parent rselect._rselect"
    assert all(line.endswith(" select") for line in lines[1:]), lines


def test_run_multiprocessing_spawn_children(tmp_path):
    (tmp_path / "mp.py").write_text(
        textwrap.dedent(
            """
            import multiprocessing as mp

            def which(_):
                import select
                return select.__name__

            if __name__ == "__main__":
                with mp.get_context("spawn").Pool(2) as pool:
                    print(sorted(set(pool.map(which, range(4)))))
            """
        )
    )
    out = python("-m", "rselect", "run", "mp.py", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['rselect._rselect']"


def test_run_pytest(tmp_path):
    (tmp_path / "test_on_rselect.py").write_text(
        textwrap.dedent(
            """
            import os, select, selectors

            def test_select_is_rselect():
                assert select.__name__ == "rselect._rselect"
                with selectors.DefaultSelector() as sel:
                    r, w = os.pipe()
                    sel.register(r, selectors.EVENT_READ)
                    os.write(w, b"x")
                    assert [k.fd for k, _ in sel.select(1)] == [r]
                    os.close(r); os.close(w)

            def test_fails():
                assert False
            """
        )
    )
    out = python(
        "-m", "rselect", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "test_on_rselect.py", cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 1, out.stdout + out.stderr  # pytest's exit code, passed through
    assert "1 failed, 1 passed" in out.stdout


def test_run_usage_errors():
    for args, msg in (([], "nothing to run"), (["-m"], "Argument expected for the -m option")):
        out = python("-m", "rselect", "run", *args)
        assert out.returncode == 2
        assert msg in out.stderr and "usage:" in out.stderr
    out = python("-m", "rselect", "run", "--help")
    assert out.returncode == 0 and "usage:" in out.stderr


def test_info_reports_limits_and_state():
    out = python("-m", "rselect", "info")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "descriptors < 1024 (FD_SETSIZE)" in text  # found by probing the stock module
    assert re.search(r"^installed as select +no$", text, re.M)
    active = python("-m", "rselect", "info", env_extra={"RSELECT_INSTALL": "1"})
    assert re.search(r"^installed as select +yes$", active.stdout, re.M)
    assert "active (RSELECT_INSTALL set)" in active.stdout
