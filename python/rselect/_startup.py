"""Startup hook: installs rselect as ``select`` when RSELECT_INSTALL is set.

It is imported by ``rselect-startup.pth`` (in site-packages), which does
nothing unless the environment variable ``RSELECT_INSTALL`` is set to a value
other than ``""`` or ``"0"``. The variable is inherited, so the Python
subprocesses of a program get rselect too, also under ``python -E`` and
``python -I`` (they skip PYTHON* variables and the user site, not .pth files of
site-packages). ``python -S`` skips the site module and so this hook. The
.pth line skips sub-interpreters (3.12+), where rselect's compiled module
cannot load: the stock ``select`` serves them.

When ``RSELECT_SWAP_LOG`` names a file, one line per process is appended to it
(pid, executable, and what ``select`` is), so that a test runner can check
that every process really ran on rselect.
"""

import os
import sys


def _main() -> None:
    import rselect

    rselect.install()
    log = os.environ.get("RSELECT_SWAP_LOG")
    if log:
        module = sys.modules.get("select")
        line = f"{os.getpid()} {sys.executable} {getattr(module, '__name__', module)}\n"
        with open(log, "a", encoding="utf-8") as f:
            f.write(line)


_main()
