"""Sub-interpreters (``concurrent.interpreters``, 3.14+) in a process where
rselect is installed: they start silently and the stdlib's I/O modules work
there on the stock ``select`` (rselect's compiled module loads in the main
interpreter only); ``import rselect`` there fails with rselect's own message.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 14), reason="concurrent.interpreters is new in 3.14"
)

# Runs inside the sub-interpreter: select, poll, epoll, selectors,
# subprocess (a child that waits through select) and an asyncio round trip.
SUB_CODE = textwrap.dedent(
    """
    import asyncio, os, select, selectors, socket, subprocess, sys
    r, w = os.pipe()
    os.write(w, b"x")
    assert select.select([r], [], [], 0)[0] == [r]
    p = select.poll(); p.register(r, select.POLLIN)
    assert p.poll(0) == [(r, select.POLLIN)]
    ep = select.epoll(); ep.register(r, select.EPOLLIN)
    assert ep.poll(0) == [(r, select.EPOLLIN)]
    ep.close()
    with selectors.DefaultSelector() as sel:
        sel.register(r, selectors.EVENT_READ)
        assert [k.fd for k, _ in sel.select(0)] == [r]
    os.close(r); os.close(w)
    out = subprocess.run([sys.executable, "-c", "print(42)"], capture_output=True,
                         timeout=60).stdout
    assert out.strip() == b"42", out

    async def echo():
        a, b = socket.socketpair()
        reader, writer = await asyncio.open_connection(sock=a)
        b.sendall(b"ping")
        data = await reader.read(4)
        writer.close(); b.close()
        return data

    assert asyncio.run(echo()) == b"ping"
    try:
        import rselect
    except ImportError as exc:
        message = str(exc)
    else:
        message = "imported"
    """
)

MAIN = textwrap.dedent(
    """
    import sys
    from concurrent import interpreters
    import select, selectors
    print("main", select.__name__, selectors.__name__)
    interp = interpreters.create()
    interp.exec({code!r})
    print("sub", interp.call(eval, "__import__('select').__name__"))
    interp.exec("import builtins; builtins._m = message")
    print("import", interp.call(eval, "__import__('builtins')._m"))
    interp.close()
    """
)


def test_subinterpreters_start_silently_on_the_stock_module():
    env = dict(os.environ, RSELECT_INSTALL="1")
    proc = subprocess.run(
        [sys.executable, "-c", MAIN.format(code=SUB_CODE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    # No traceback from the startup hook, nor anything else.
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "main rselect._rselect rselect.selectors"
    assert lines[1] == "sub select"
    assert lines[2].startswith("import rselect cannot be imported in a sub-interpreter")


def test_import_in_the_main_interpreter_is_unaffected():
    proc = subprocess.run(
        [sys.executable, "-c", "import rselect; print(rselect._main_interpreter())"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout.strip()) == (0, "True"), proc.stderr
