"""Write the figures of the reliability runs into docs/reliability.md.

The reliability tests (tests/reliability/test_reliability_*.py, the bad input catalogue)
append one JSON line per run to ``results/reliability/<name>.jsonl`` (see
tests/support/figures.py). This tool takes, for each name, the latest line of
each interpreter in the chosen mode and renders them as a table (one row
per case and interpreter, its figures in one cell) between the markers
``<!-- figures:<name> -->`` and ``<!-- /figures:<name> -->`` of
docs/reliability.md, leaving the prose around them alone.

    python tools/reliability_report.py [--mode long|ci] [--doc docs/reliability.md]

A name whose file has no line in that mode keeps the table it had.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results" / "reliability"
META = ("name", "python", "mode", "time")
# Fields that tell the cases of one name apart (one line per case and run).
CASE = ("case", "check", "api", "target", "kind", "scenario")


def latest(name: str, mode: str) -> dict[tuple, dict]:
    """The last line of each (interpreter, case) of ``name`` in ``mode``."""
    path = RESULTS / f"{name}.jsonl"
    found: dict[tuple, dict] = {}
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry.get("mode") == mode:
            case = tuple(str(entry[k]) for k in CASE if k in entry)
            found[(entry["python"], case)] = entry
    return found


def text_of(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {text_of(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(text_of(v) for v in value) + "]"
    return str(value)


def version_key(version: str) -> tuple:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def table(runs: dict[tuple, dict]) -> str:
    rows = ["| CPython | case | figures |", "| --- | --- | --- |"]
    for python, case in sorted(runs, key=lambda k: (version_key(k[0]), k[1])):
        entry = runs[(python, case)]
        figures = "; ".join(
            f"{k} = {text_of(v)}" for k, v in entry.items() if k not in META and k not in CASE
        )
        figures = figures.replace("|", "\\|").replace("\n", " ")
        rows.append(f"| {python} | {' / '.join(case) or '-'} | {figures} |")
    first = min(e["time"] for e in runs.values())
    last = max(e["time"] for e in runs.values())
    return "\n".join([*rows, "", f"Recorded {first} to {last} (UTC)."])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("long", "ci"), default="long")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "reliability.md")
    args = parser.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    marker = re.compile(r"<!-- figures:(\w+) -->\n.*?<!-- /figures:\1 -->", re.S)
    missing = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        runs = latest(name, args.mode)
        if not runs:
            missing.append(name)
            return match.group(0)
        return f"<!-- figures:{name} -->\n{table(runs)}\n<!-- /figures:{name} -->"

    args.doc.write_text(marker.sub(fill, text), encoding="utf-8")
    if missing:
        print(f"reliability_report: no {args.mode} run for: {', '.join(missing)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
