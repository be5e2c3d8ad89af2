#!/usr/bin/env bash
# What a user installs, checked in fresh virtual environments:
#   - the release wheel of this machine (manylinux_2_17_x86_64) that `make
#     setup` built into dist/ for each interpreter, one venv each;
#   - `pip install .` (PEP 517: pip reads pyproject.toml, fetches maturin,
#     builds from this checkout) into a venv of the first interpreter;
#   - the sdist (`maturin sdist`), unpacked nowhere: pip builds it from
#     scratch into a venv of the last interpreter.
# Each venv then runs scripts/smoke-wheel.py (select, poll, epoll on a
# socketpair, selectors, install()/uninstall(), the startup hook, the
# compiled module built for this interpreter) and `python -m rselect info`.
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
    if [ -f .venvs/missing.txt ]; then
        while read -r v; do
            echo "check-install: interpreter MISSING for Python $v (reported by setup)" >&2
        done < .venvs/missing.txt
    fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

base_of() {
    local venv_py
    venv_py=$(awk -v v="$1" '$1 == v {print $2}' .venvs/pythons.txt 2>/dev/null || true)
    [ -n "$venv_py" ] || { echo "check-install: no interpreter for $1 (run scripts/setup.sh)" >&2; exit 1; }
    "$venv_py" -c 'import sys; print(sys._base_executable)'
}

# smoke VENV HOW: the installed package works in that venv
# (scripts/smoke-wheel.py, the release workflow's smoke test), and its CLI.
smoke() {
    "$1/bin/python" scripts/smoke-wheel.py --version "$version"
    (cd "$work" && "$1/bin/python" -m rselect info > /dev/null)
    echo "check-install: $2 OK"
}

fresh_venv() {
    scripts/make-venv.sh "$(base_of "$1")" "$2"
}

# The wheels of `make setup`, one fresh venv per interpreter.
for v in "${versions[@]}"; do
    wheel=$(scripts/build-wheels.sh --find "$v" manylinux_2_17_x86_64) ||
        { echo "check-install: run scripts/setup.sh" >&2; exit 1; }
    fresh_venv "$v" "$work/wheel-$v"
    "$work/wheel-$v/bin/pip" install -q "$wheel"
    smoke "$work/wheel-$v" "wheel $(basename "$wheel")"
done

# `pip install .` from this checkout.
first=${versions[0]}
fresh_venv "$first" "$work/checkout-$first"
"$work/checkout-$first/bin/pip" install -q .
smoke "$work/checkout-$first" "pip install ."

# The sdist, built by maturin and then built from scratch by pip.
last=${versions[${#versions[@]}-1]}
.venv/bin/maturin sdist -o "$work/sdist" > /dev/null
sdist=$(ls "$work"/sdist/rselect-*.tar.gz)
fresh_venv "$last" "$work/sdist-$last"
"$work/sdist-$last/bin/pip" install -q "$sdist"
smoke "$work/sdist-$last" "sdist $(basename "$sdist")"
