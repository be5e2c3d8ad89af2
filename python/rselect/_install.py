"""Make rselect the ``select`` module of the running interpreter."""

from __future__ import annotations

import sys
import types

from rselect import _rselect

# The module that was in sys.modules["select"] before install(), if any.
_previous: types.ModuleType | None = None
_had_previous = False


def installed() -> bool:
    """Return True when ``import select`` gives rselect in this interpreter."""
    return sys.modules.get("select") is _rselect


def install() -> None:
    """Make ``import select`` return rselect from now on (idempotent)."""
    global _previous, _had_previous
    if installed():
        return
    _had_previous = "select" in sys.modules
    _previous = sys.modules.get("select")
    sys.modules["select"] = _rselect


def uninstall() -> None:
    """Undo :func:`install` (idempotent)."""
    global _previous, _had_previous
    if not installed():
        return
    if _had_previous and _previous is not None:
        sys.modules["select"] = _previous
    else:
        del sys.modules["select"]
    _previous, _had_previous = None, False
