#!/usr/bin/env bash
# A virtual environment with an up-to-date pip, for any interpreter setup uses.
#
#   scripts/make-venv.sh BASE_PYTHON DIR
#
# Debian sid's 3.14/3.15 (scripts/python-sid.sh) have an ensurepip that
# takes Debian 12's old pip wheel: their venvs are made without pip, which
# then comes from sid's own pip wheel.
set -euo pipefail
py=$1 dir=$2
case $py in
*/python-sid/*)
    v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    "$py" -m venv --without-pip "$dir"
    pipwhl=$("$(dirname "$0")/python-sid.sh" --pip-wheel "$v")
    "$dir/bin/python" "$pipwhl/pip" install -q "$pipwhl"
    ;;
*)
    "$py" -m venv "$dir"
    "$dir/bin/pip" install -q --upgrade pip
    ;;
esac
