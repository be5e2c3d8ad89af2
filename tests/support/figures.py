"""Figures of the reliability runs, for docs/reliability.md.

``record(name, **figures)`` appends one JSON line (the figures plus the
interpreter version, the mode and a timestamp) to
``results/reliability/<name>.jsonl`` under the repository root. ``make
stress``/``make fuzz`` run the long mode; ``tools/reliability_report.py``
turns the latest line of each file into the tables of docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from .modes import LONG

RESULTS = Path(__file__).resolve().parents[2] / "results" / "reliability"


def record(name: str, **figures: object) -> None:
    """Append the figures of one run of ``name`` to its JSON-lines file."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    line = {
        "name": name,
        "python": platform.python_version(),
        "mode": "long" if LONG else "ci",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **figures,
    }
    with open(RESULTS / f"{name}.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(line, sort_keys=True) + "\n")
    if os.environ.get("RSELECT_PRINT_FIGURES"):
        print(f"\n[figures] {json.dumps(line, sort_keys=True)}")
