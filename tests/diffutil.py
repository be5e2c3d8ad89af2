"""Run the same call through the stock module and rselect; compare outcomes."""

from __future__ import annotations

import select as stock
import warnings
from collections.abc import Callable
from typing import Any

import rselect

assert stock.__name__ == "select", "the stock module must be the one imported as select"


def outcome(call: Callable[[], Any]) -> tuple:
    """("ok", value, warnings) or ("raise", type, message, errno, warnings);
    the message includes the exception's notes, if any."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = call()
        except Exception as exc:
            # Notes (PEP 678) count as part of the message: a traceback
            # shows them, and CPython's errors here carry none.
            notes = "".join(f"\n[note] {note}" for note in getattr(exc, "__notes__", ()))
            result: tuple = (
                "raise",
                type(exc),
                str(exc) + notes,
                getattr(exc, "errno", None),
            )
        else:
            result = ("ok", value)
    return (*result, [(w.category, str(w.message)) for w in caught])


__all__ = ["outcome", "rselect", "stock"]
