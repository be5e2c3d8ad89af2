"""Run CPython's own test modules in this interpreter and report each outcome.

Usage: python run_cpython_tests.py --mode {stock,rselect} --out FILE NAME...

NAME is anything unittest's loader accepts (``test.test_select``,
``test._test_eintr.SelectEINTRTest``). In ``rselect`` mode the startup hook
(``RSELECT_INSTALL=1``, set by the caller) must already have installed rselect
as ``select``: this script refuses to run otherwise, and in ``stock`` mode it
refuses to run if rselect is installed. The JSON written to FILE maps each test
id to one of ``passed``, ``failed``, ``error``, ``skipped``, ``xfail``,
``xpass``; ``__select__`` records which module ``select`` was, and
``__selectors__`` which module ``selectors`` was (``-`` if never imported).
"""

from __future__ import annotations

import argparse
import json
import sys
import unittest


class Recorder(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes: dict[str, str] = {}

    def _set(self, test, outcome):
        self.outcomes[test.id()] = outcome

    def addSuccess(self, test):
        super().addSuccess(test)
        # A test whose subtests failed was already recorded as failed.
        self.outcomes.setdefault(test.id(), "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._set(test, "failed")

    def addError(self, test, err):
        super().addError(test, err)
        # setUpModule/setUpClass errors come as _ErrorHolder objects.
        self._set(test, "error")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._set(test, "skipped")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._set(test, "xfail")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._set(test, "xpass")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._set(test, "failed")


def which_select() -> str:
    import select

    return select.__name__


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["stock", "rselect"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()

    selected = which_select()
    if args.mode == "rselect" and selected != "rselect._rselect":
        print(f"rselect is not installed as select (select is {selected!r})", file=sys.stderr)
        return 3
    if args.mode == "stock" and selected != "select":
        print(f"stock run, but select is {selected!r}", file=sys.stderr)
        return 3

    from test import support

    support.verbose = False
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    skipped_modules = {}
    for name in args.names:
        try:
            suite.addTests(loader.loadTestsFromName(name))
        except unittest.SkipTest as e:
            # A module that skips itself on import (test_windows_events on
            # Linux): as regrtest reports it.
            skipped_modules[name] = "skipped"
            print(f"{name}: skipped on import: {e}", file=sys.stderr)
    runner = unittest.TextTestRunner(resultclass=Recorder, verbosity=2, stream=sys.stderr)
    result = runner.run(suite)
    outcomes = {**skipped_modules, **result.outcomes}
    outcomes["__select__"] = which_select()
    selectors = sys.modules.get("selectors")
    outcomes["__selectors__"] = getattr(selectors, "__name__", "-")
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(outcomes, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
