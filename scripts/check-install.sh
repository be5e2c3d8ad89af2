#!/usr/bin/env bash
# `pip install .` (PEP 517: pip reads pyproject.toml, fetches maturin, builds)
# into a fresh virtual environment per interpreter, then checks that the
# installed package works: rselect.select on a real pipe, the compiled module
# built for this interpreter, and `python -m rselect info`.
#
#   scripts/check-install.sh [VERSION ...]     default: every interpreter
#                                              scripts/setup.sh found
#
# Base interpreters come from .venvs/pythons.txt (written by scripts/setup.sh);
# the ones setup could not find are reported again here. A version asked for
# by name that setup did not find fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."

versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
    mapfile -t versions < <(awk '{print $1}' .venvs/pythons.txt)
    for v in $(cat .venvs/missing.txt 2>/dev/null); do
        echo "check-install: interpreter MISSING for Python $v (reported by setup)" >&2
    done
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for v in "${versions[@]}"; do
    venv_py=$(awk -v v="$v" '$1 == v {print $2}' .venvs/pythons.txt 2>/dev/null || true)
    [ -n "$venv_py" ] || { echo "check-install: no interpreter for $v (run scripts/setup.sh)" >&2; exit 1; }
    base=$("$venv_py" -c 'import sys; print(sys._base_executable)')
    "$base" -m venv "$work/$v"
    "$work/$v/bin/pip" install -q --upgrade pip
    "$work/$v/bin/pip" install -q .
    (cd "$work" && "$work/$v/bin/python" - <<'PY'
import os
import sys

import rselect
import rselect._rselect as ext

r, w = os.pipe()
os.write(w, b"x")
assert rselect.select([r], [w], [], 0) == ([r], [w], []), "select on a pipe"
tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
assert tag in ext.__file__ or "abi3" in ext.__file__, ext.__file__
print(f"check-install: Python {sys.version.split()[0]}: pip install . OK ({os.path.basename(ext.__file__)})")
PY
    )
    (cd "$work" && "$work/$v/bin/python" -m rselect info > /dev/null)
done
