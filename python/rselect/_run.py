"""``python -m rselect run``: run a program with rselect as its ``select`` module.

The program runs in this process, the way ``python`` itself would run it:

- ``run script.py args``: ``sys.argv`` is ``["script.py", *args]``, ``__main__``
  is a fresh module with ``__file__`` the absolute path, ``sys.path[0]`` the
  script's directory (symlinks resolved); a directory or zip file with a
  ``__main__.py`` runs that, with the path itself as ``sys.path[0]``.
- ``run -m module args``: as ``python -m module`` (``runpy``, the same function
  the interpreter calls, so a traceback shows the same ``<frozen runpy>``
  frames); ``sys.path[0]`` is the working directory.
- ``run -c code args``: ``sys.argv`` is ``["-c", *args]``, ``sys.path[0]`` is ``""``.

Exit status, ``SystemExit`` handling, uncaught exceptions (printed through
``sys.excepthook`` with rselect's own frames removed, exit status 1) and
``KeyboardInterrupt`` (the process ends by SIGINT, as CPython does) are those
of a direct run. Under ``-P``/``-I`` (``sys.flags.safe_path``) nothing is put in
``sys.path``, as for the interpreter.

Children: unless ``--no-children`` is given, ``RSELECT_INSTALL=1`` is set in
``os.environ`` before the program starts. Every Python process started from
then on inherits it, and the startup hook that rselect installs into
site-packages (``rselect-startup.pth``) installs rselect in that process
before its first line runs, provided the child's interpreter has rselect
installed (the same venv or environment) and runs the ``site`` module: a
``python -S`` child escapes it. ``python -E`` and ``python -I`` children do
not: they ignore ``PYTHON*`` variables and the user site directory, but still
process the ``.pth`` files of site-packages.
"""

from __future__ import annotations

import atexit
import io
import os
import signal
import sys
import types
import zipfile

USAGE = """\
usage: python -m rselect run [--no-children] (-m module | -c code | script) [args ...]

Run a Python program with rselect installed as its select module.

  -m module       run a library module as a script (like python -m)
  -c code         run a program passed in as a string (like python -c)
  script          a Python file, or a directory or zip file with __main__.py
  --no-children   do not install rselect in the Python subprocesses it starts
                  (by default RSELECT_INSTALL=1 reaches them; see the docs)
"""

_THIS_FILE = os.path.normcase(os.path.abspath(__file__))


class UsageError(Exception):
    pass


def parse(argv: list[str]) -> tuple[bool, str, str, list[str]]:
    """-> (children, kind, target, program args); kind is "module", "code" or "path"."""
    children = True
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--no-children":
            children = False
        elif arg == "--children":
            children = True
        elif arg in ("-h", "--help"):
            raise UsageError("")
        elif arg == "--":
            i += 1
            break
        elif arg.startswith(("-m", "-c")):
            kind = "module" if arg[1] == "m" else "code"
            if len(arg) > 2:
                return children, kind, arg[2:], argv[i + 1 :]
            if i + 1 >= len(argv):
                raise UsageError(f"Argument expected for the {arg} option")
            return children, kind, argv[i + 1], argv[i + 2 :]
        elif arg.startswith("-") and arg != "-":
            raise UsageError(f"unknown option {arg}")
        else:
            break
        i += 1
    if i >= len(argv):
        raise UsageError("nothing to run: give -m module, -c code or a script")
    return children, "path", argv[i], argv[i + 1 :]


def main(argv: list[str]) -> int:
    try:
        children, kind, target, args = parse(argv)
    except UsageError as e:
        if str(e):
            sys.stderr.write(f"python -m rselect run: {e}\n")
        sys.stderr.write(USAGE)
        return 0 if not str(e) else 2

    import rselect

    if children:
        os.environ["RSELECT_INSTALL"] = "1"
    else:
        os.environ.pop("RSELECT_INSTALL", None)
    rselect.install()
    # Registered before the program runs, so it runs after the program's own
    # atexit handlers: the KeyboardInterrupt exit status, as CPython gives it.
    atexit.register(_exit_by_sigint_if_interrupted)

    if kind == "path" and target != "-" and not _can_open(target):
        return 2
    try:
        if kind == "module":
            _run_module(target, args)
        elif kind == "code":
            _run_code(target, args)
        else:
            _run_path(target, args)
    except SystemExit:
        raise
    except BaseException as exc:  # the program's uncaught exception
        _report(exc)
        if isinstance(exc, KeyboardInterrupt):
            _interrupted[0] = True
        return 1
    return 0


def _set_path0(value: str) -> None:
    if getattr(sys.flags, "safe_path", False):
        return  # -P / -I: the interpreter put nothing there, neither do we
    if sys.path:
        sys.path[0] = value
    else:
        sys.path.insert(0, value)


# A script's __main__ has `__cached__ = None` up to 3.14, and none from 3.15.
_CACHED: dict[str, object] = {"__cached__": None} if sys.version_info < (3, 15) else {}


def _fresh_main(**attrs: object) -> dict[str, object]:
    """A new ``__main__`` module in sys.modules (ours is left behind); its dict."""
    import builtins

    main = types.ModuleType("__main__")
    namespace = vars(main)
    if sys.version_info < (3, 14):
        # 3.14 (PEP 649/749) no longer puts an empty __annotations__ there.
        namespace["__annotations__"] = {}
    namespace.update(
        __builtins__=builtins,
        __loader__=None,
        __package__=None,
        __spec__=None,
    )
    namespace.update(attrs)
    sys.modules["__main__"] = main
    return namespace


def _run_module(module: str, args: list[str]) -> None:
    import runpy

    _set_path0(os.getcwd())
    sys.argv = ["-m", *args]
    _fresh_main()
    # The function `python -m` itself calls: same sys.argv[0], same errors
    # ("No module named ..."), same traceback frames.
    runpy._run_module_as_main(module, alter_argv=True)  # type: ignore[attr-defined]


def _run_code(code: str, args: list[str]) -> None:
    from importlib.machinery import BuiltinImporter

    _set_path0("")
    sys.argv = ["-c", *args]
    namespace = _fresh_main(__loader__=BuiltinImporter)
    if sys.version_info >= (3, 13):
        # 3.13 keeps the -c source in linecache so that tracebacks show it.
        import linecache

        lines = [line + "\n" for line in code.splitlines()]
        linecache.cache["<string>"] = (len(code), None, lines, "<string>")
    exec(compile(code, "<string>", "exec", dont_inherit=True), namespace)


def _run_path(path: str, args: list[str]) -> None:
    import runpy
    from importlib.machinery import BuiltinImporter

    sys.argv = [path, *args]
    if path == "-":
        _set_path0("")
        namespace = _fresh_main(__loader__=BuiltinImporter, __file__="<stdin>", **_CACHED)
        exec(compile(sys.stdin.read(), "<stdin>", "exec", dont_inherit=True), namespace)
        return
    if os.path.isdir(path) or zipfile.is_zipfile(path):
        # As the interpreter does: the path goes first on sys.path and its
        # __main__ module runs.
        _set_path0(_absolute(path))
        _fresh_main()
        runpy._run_module_as_main("__main__", alter_argv=False)  # type: ignore[attr-defined]
        return
    from importlib.machinery import SourceFileLoader

    filename = _absolute(path)
    _set_path0(os.path.dirname(os.path.realpath(path)))
    with io.open_code(filename) as f:
        source = f.read()
    namespace = _fresh_main(
        __file__=filename,
        **_CACHED,
        __loader__=SourceFileLoader("__main__", filename),
    )
    code = compile(source, filename, "exec", dont_inherit=True)
    exec(code, namespace)


def _absolute(path: str) -> str:
    """Absolute as the interpreter makes it: joined to the working
    directory, not normalised (``./a.py`` stays ``/cwd/./a.py``)."""
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def _can_open(path: str) -> bool:
    """Open as the interpreter does; on failure print its message and say no."""
    try:
        open(path, "rb").close()
    except IsADirectoryError:
        return True
    except OSError as e:
        program = sys.orig_argv[0] if getattr(sys, "orig_argv", None) else sys.executable
        where = _absolute(path)
        sys.stderr.write(f"{program}: can't open file {where!r}: [Errno {e.errno}] {e.strerror}\n")
        return False
    return True


def _report(exc: BaseException) -> None:
    """Print the program's uncaught exception as the interpreter would."""
    tb = exc.__traceback__
    while tb is not None and os.path.normcase(tb.tb_frame.f_code.co_filename) == _THIS_FILE:
        tb = tb.tb_next
    exc.__traceback__ = tb
    sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, tb
    if sys.version_info >= (3, 12):
        sys.last_exc = exc
    sys.excepthook(type(exc), exc, tb)


_interrupted = [False]


def _exit_by_sigint_if_interrupted() -> None:
    if not _interrupted[0]:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)
