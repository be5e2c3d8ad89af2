#!/usr/bin/env bash
# Build rselect and install it into one virtual environment per interpreter.
#
#   scripts/setup.sh [VERSION ...]     default: 3.10 3.11 3.12 3.13 3.14 3.15
#   scripts/setup.sh --tools           only .venv (maturin, ruff), as `make lint` needs
#
# RSELECT_PROFILE=dev makes a debug build (`make dev`) into target/dev-wheels;
# the default, release, builds the release wheels of this platform into dist/
# (scripts/build-wheels.sh manylinux-x86_64 on this machine).
# Interpreters are looked up under pyenv, then as pythonX.Y on PATH; 3.14 and
# later, when neither has them, come from Debian sid's binary packages
# (scripts/python-sid.sh, cached outside the clone). A missing one is reported
# (and listed in .venvs/missing.txt), never silently skipped.
# Result: .venvs/X.Y/bin/python with rselect and the test tools installed;
# .venvs/pythons.txt lists every ready one (a run for some versions updates
# their lines and keeps the others). The build tool (maturin) lives in .venv,
# which `make demo` uses too.
set -euo pipefail
cd "$(dirname "$0")/.."

tools_only=false
[ "${1:-}" != --tools ] || { tools_only=true; shift; }
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(3.10 3.11 3.12 3.13 3.14 3.15)
profile=${RSELECT_PROFILE:-release}
case $profile in
    release) out=dist ;;
    dev) out=target/dev-wheels ;;
    *) echo "setup: RSELECT_PROFILE must be release or dev, not $profile" >&2; exit 2 ;;
esac

find_python() {
    local v=$1 root d
    if command -v pyenv >/dev/null 2>&1; then
        root=$(pyenv root)
        while read -r d; do
            case "$d" in *[a-z]*/versions/*[a-z]*) continue ;; esac  # no -dev/t builds
            if [ -x "$d/bin/python3" ]; then echo "$d/bin/python3"; return; fi
        done < <(compgen -G "$root/versions/$v.*" | sort -V -r)
    fi
    if command -v "python$v" >/dev/null 2>&1; then command -v "python$v"; return; fi
    case $v in 3.1[4-9]) scripts/python-sid.sh "$v" || true ;; esac
}

# The build tool's own environment, remade when requirements-dev.txt changes.
if [ ! -x .venv/bin/maturin ] || [ requirements-dev.txt -nt .venv/.requirements ]; then
    base=$(find_python 3.11); [ -n "$base" ] || base=$(command -v python3)
    [ -x .venv/bin/python ] || scripts/make-venv.sh "$base" .venv
    .venv/bin/pip install -q -r requirements-dev.txt
    touch .venv/.requirements
fi
$tools_only && exit 0

mkdir -p .venvs "$out"
touch .venvs/pythons.txt .venvs/missing.txt
# This run's versions leave both lists; they go back in below as found.
for list in .venvs/pythons.txt .venvs/missing.txt; do
    for v in "${versions[@]}"; do
        awk -v v="$v" '$1 != v' "$list" > "$list.new" && mv "$list.new" "$list"
    done
done

interpreters=()
for v in "${versions[@]}"; do
    py=$(find_python "$v")
    if [ -z "$py" ]; then
        echo "setup: MISSING interpreter for Python $v (not under pyenv, no python$v on PATH)" >&2
        echo "$v" >> .venvs/missing.txt
        continue
    fi
    interpreters+=("$v:$py")
done
[ ${#interpreters[@]} -gt 0 ] || { echo "setup: no interpreter found" >&2; exit 1; }

# release: the release wheels of this machine's platform, made as `make
# wheels` makes them (manylinux2014, by zig), so every test runs the wheel
# that ships. dev: one maturin call, a debug wheel per interpreter.
found=()
for item in "${interpreters[@]}"; do found+=("${item%%:*}"); done
if [ "$profile" = release ]; then
    VERSIONS="${found[*]}" scripts/build-wheels.sh "manylinux-$(uname -m)"
else
    args=()
    for item in "${interpreters[@]}"; do args+=(-i "${item#*:}"); done
    for v in "${found[@]}"; do rm -f "$out"/rselect-*-"cp${v/./}"-*.whl; done
    .venv/bin/maturin build "${args[@]}" -o "$out"
fi

for item in "${interpreters[@]}"; do
    v=${item%%:*}; py=${item#*:}
    venv=.venvs/$v
    [ -x "$venv/bin/python" ] || scripts/make-venv.sh "$py" "$venv"
    "$venv/bin/pip" install -q -r requirements-test.txt
    if [ "$profile" = release ]; then
        wheel=$(scripts/build-wheels.sh --find "$v" "manylinux_2_17_$(uname -m)")
    else
        wheel=$(find "$out" -name "rselect-*-cp${v/./}-*.whl" | head -n 1)
    fi
    "$venv/bin/pip" install -q --force-reinstall --no-deps "$wheel"
    echo "$v $PWD/$venv/bin/python" >> .venvs/pythons.txt
    echo "setup: Python $v ready in $venv ($("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])'), $profile build)"
done
sort -V -o .venvs/pythons.txt .venvs/pythons.txt
sort -V -o .venvs/missing.txt .venvs/missing.txt
