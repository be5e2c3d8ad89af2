"""The bad input catalogue (docs/reliability.md, section 7): every entry of the table in
tests/support/catalogue.py (``TABLE``: what each entry calls, with which
oracle) checked on the running interpreter, and docs/bad-input.md checked
against what this interpreter does (regenerate: tools/catalogue.py).
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.support.catalogue import (
    DOC,
    DOCUMENTED,
    SECTIONS,
    TABLE,
    TESTING_BUILD,
    VERSION,
    Entry,
    describe,
    observe,
    row_cells,
    spec_outcomes,
    verdict,
)
from tests.support.figures import record
from tests.support.modes import LONG
from tests.support.oracle import rselect, stock

REPEAT = 10 if LONG else 1  # long mode: every entry ten times, outcomes must not vary
_CELLS: dict[str, dict] = {}  # filled by test_entry, read by the doc test
_OBS: dict[str, tuple[dict, dict]] = {}  # entry key -> (oracle's outcome, rselect's)
_SECONDS = [0.0]  # time spent in test_entry


def _param(entry: Entry) -> Any:
    bug = entry.bug_here()
    marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
    if entry.section == "§1.4":  # SIGALRM handler and interval timer: process-wide
        marks.append(pytest.mark.serial)
    ident = f"{entry.section[1:]}-{entry.api}-{entry.input}"
    return pytest.param(entry, id=ident, marks=marks)


def test_table_is_well_formed():
    keys = [e.key for e in TABLE]
    assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]
    for e in TABLE:
        assert e.section in SECTIONS, e.key
        assert e.oracle in ("stock", "spec"), e.key
        assert (e.expect is not None) == (e.oracle == "spec"), e.key
        assert e.documented in (None, *DOCUMENTED), e.key
        assert "|" not in e.api + e.input, e.key  # the doc's cells
        # a version where the oracle changed: raising becomes accepting, or
        # the other way round, never both; a bug's versions form a range
        assert e.accepted_from is None or (e.raises and e.raises_from is None), e.key
        assert e.raises_from is None or not e.raises, e.key
        assert e.bug is not None or (e.bug_from, e.bug_until) == ((3, 10), None), e.key
        assert e.bug_until is None or e.bug_from < e.bug_until, e.key
    # every section of the spec from 1 to 8 has entries
    for top in "12345678":
        assert any(e.section[1:].split(".")[0] == top for e in TABLE), top


@pytest.mark.parametrize("entry", [_param(e) for e in TABLE])
def test_entry(entry: Entry):
    started = time.monotonic()
    try:
        _check_entry(entry)
    finally:
        _SECONDS[0] += time.monotonic() - started


def _check_entry(entry: Entry) -> None:
    if entry.oracle == "spec":
        outcomes = spec_outcomes()
        if outcomes is None:
            pytest.skip(f"no test build in {TESTING_BUILD} (scripts/build-testing.sh)")
        got = outcomes[entry.key]
        want = entry.expected()
        if entry.raises_here():
            assert want["kind"] == "raise", "the spec's outcome is an exception"
        elif entry.version_aware():
            assert want["kind"] == "ok", f"the spec's outcome here: {describe(want)}"
        ok, same = verdict(entry, want, got)
        _CELLS[entry.key] = {"exc": describe(got), "same": same}
        _OBS[entry.key] = (want, got)
        assert ok, f"{entry.key}\n  spec: {describe(want)}\n  got:  {describe(got)}"
        return
    s, r = observe(entry, stock), observe(entry, rselect)
    for _ in range(REPEAT - 1):
        assert (observe(entry, stock), observe(entry, rselect)) == (s, r), "outcome varies"
    if entry.raises_here():
        assert s["kind"] == "raise", f"stock accepts this input: {describe(s)}"
    elif entry.version_aware():
        # no longer bad input on this version (or not yet): rselect must
        # accept it too, with stock's result (checked below)
        assert s["kind"] == "ok", f"stock raises here: {describe(s)}"
    ok, same = verdict(entry, s, r)
    _CELLS[entry.key] = {"exc": describe(r), "same": same}
    _OBS[entry.key] = (s, r)
    assert ok, f"{entry.key}\n  stock:   {s}\n  rselect: {r}"


def _mutants(obs: dict, spec: bool) -> list[tuple[str, dict]]:
    """Copies of an outcome, each wrong in one observable."""
    out = [("extra warning", {**obs, "warnings": [*obs["warnings"], ["RuntimeWarning", "x"]]})]
    if obs["warnings"]:
        out.append(("no warning", {**obs, "warnings": []}))
    if obs["kind"] == "raise":
        out += [
            ("type", {**obs, "type": "Exception" if obs["type"] != "Exception" else "OSError"}),
            ("message", {**obs, "message": obs["message"] + "!"}),
            ("errno", {**obs, "errno": 12345}),
            ("no exception", {"kind": "ok", "value": "None", "warnings": obs["warnings"]}),
        ]
        if not spec:  # the spec states type and message only
            out += [
                ("args", {**obs, "args": "('mutant',)"}),
                ("filename", {**obs, "filename": "'mutant'"}),
            ]
    else:
        raised = {"kind": "raise", "type": "TypeError", "message": "x", "errno": None}
        out.append(("an exception", {**raised, "args": "('x',)", "filename": "None", **obs}))
        out[-1][1].update(raised)
        if not spec:  # the spec does not state returned values
            out.append(("value", {**obs, "value": obs["value"] + "!"}))
    return out


def test_every_expectation_can_fail():
    """Each entry's check rejects an rselect outcome that is wrong in any one
    observable (type, message, errno, args, filename, warnings, raising or
    not, value); an intended difference still rejects all but what it allows.
    Uses the outcomes test_entry saw (or observes them if it did not run)."""
    checked = 0
    for e in TABLE:
        if e.key not in _OBS:
            if e.oracle == "spec":
                outcomes = spec_outcomes()
                if outcomes is None:
                    continue
                _OBS[e.key] = (e.expected(), outcomes[e.key])
            else:
                _OBS[e.key] = (observe(e, stock), observe(e, rselect))
        oracle_obs, obs = _OBS[e.key]
        if not verdict(e, oracle_obs, obs)[0]:
            assert e.bug_here(), e.key  # the xfail entries fail already
            continue
        accepted = [
            what for what, m in _mutants(obs, e.oracle == "spec") if verdict(e, oracle_obs, m)[0]
        ]
        allowed = {
            None: set(),
            "arity": {"message", "errno", "args", "filename"},
            "select-limit": {"value"},
            "errno-left": {"args", "filename"},
        }[e.documented]
        assert set(accepted) <= allowed, f"{e.key}: a wrong {accepted} would pass"
        checked += 1
    not_run = sum(e.oracle == "spec" for e in TABLE) if spec_outcomes() is None else 0
    bugs = sum(e.bug_here() is not None for e in TABLE)
    assert checked >= len(TABLE) - not_run - bugs


# --- the doc ---------------------------------------------------------------------------------

_VERSIONS_RE = re.compile(r"<!-- interpreters: ([\d. ]+) -->")
_PART_RE = re.compile(r"^\*\*([\d., ]+)\*\*: (.*)$")


def _unescape(cell: str) -> str:
    cell = cell.strip()
    if cell.startswith("`") and cell.endswith("`"):
        cell = cell[1:-1]
    return cell.replace("\\|", "|")


def cell_for(cell: str, version: str) -> str | None:
    """The value a (possibly per-version) doc cell gives for ``version``."""
    parts = cell.split("<br>")
    if len(parts) == 1 and not _PART_RE.match(parts[0].strip()):
        return _unescape(parts[0])
    for part in parts:
        m = _PART_RE.match(part.strip())
        if m and version in [v.strip() for v in m.group(1).split(",")]:
            return _unescape(m.group(2))
    return None


def parse_doc(text: str) -> tuple[list[str], dict[str, dict]]:
    """(interpreter versions, {entry key: {"exc": cell, "same": cell}})."""
    m = _VERSIONS_RE.search(text)
    versions = m.group(1).split() if m else []
    rows: dict[str, dict] = {}
    section = None
    for line in text.splitlines():
        if line.startswith("#"):
            section = line[3:].split()[0] if line.startswith("## §") else None
        elif line.startswith("| ") and section and not line.startswith(("| API", "| ---")):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            api, bad, exc, _oracle, same = cells
            rows[f"{section} | {_unescape(api)} | {_unescape(bad)}"] = {"exc": exc, "same": same}
    return versions, rows


def test_doc_is_generated_from_this_table():
    """docs/bad-input.md holds a row for every entry and nothing else, and each
    row says for this interpreter what this interpreter does now (regenerate:
    tools/catalogue.py)."""
    started = time.monotonic()
    assert DOC.exists(), "docs/bad-input.md is missing: run tools/catalogue.py"
    versions, rows = parse_doc(DOC.read_text(encoding="utf-8"))
    regen = "regenerate it: python3 tools/catalogue.py --all"
    assert VERSION in versions, f"docs/bad-input.md was not generated on {VERSION}; {regen}"
    assert set(rows) == {e.key for e in TABLE}, (
        f"rows differ from the table; {regen}\n"
        f"  missing: {sorted({e.key for e in TABLE} - set(rows))}\n"
        f"  extra:   {sorted(set(rows) - {e.key for e in TABLE})}"
    )
    have_spec = spec_outcomes() is not None
    stale = []
    counts = {"same": 0, "documented": 0, "bug": 0, "spec": 0, "not_run": 0}
    for e in TABLE:
        if e.oracle == "spec" and not have_spec:
            counts["not_run"] += 1
            continue
        cells = _CELLS.get(e.key) or row_cells(e)
        counts["spec" if e.oracle == "spec" else "same"] += cells["same"] in ("yes", "spec: yes")
        counts["documented"] += cells["same"].startswith(tuple(t for t, _ in DOCUMENTED.values()))
        counts["bug"] += cells["same"].startswith("NO")
        if e.machine:
            continue
        for col in ("exc", "same"):
            if cell_for(rows[e.key][col], VERSION) != cells[col]:
                stale.append(f"{e.key} [{col}]: doc {rows[e.key][col]!r}, now {cells[col]!r}")
    record(
        "bad_input_catalogue",
        entries=len(TABLE),
        stock_oracle=sum(e.oracle == "stock" for e in TABLE),
        spec_oracle=sum(e.oracle == "spec" for e in TABLE),
        identical_to_stock=counts["same"],
        matching_spec=counts["spec"],
        documented_differences=counts["documented"],
        undocumented_differences=counts["bug"],
        spec_not_run=counts["not_run"],
        repeats_per_entry=REPEAT,
        entries_seconds=round(_SECONDS[0], 3),
        doc_check_seconds=round(time.monotonic() - started, 3),
    )
    assert not stale, f"docs/bad-input.md is out of date ({regen}):\n" + "\n".join(stale)
