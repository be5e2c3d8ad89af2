#!/usr/bin/env bash
# rselect's Windows build, run: under wine, with python.org's Windows CPythons
# (scripts/windows-env.sh prepares both, cached outside the clone).
#
#   scripts/test-windows.sh [VERSION ...]     default: 3.10 3.11 3.12 3.13
#
# The pieces, each named in the summary, each a failure when it fails or
# cannot run (never a silent skip):
#   setup        scripts/windows-env.sh setup VERSION ... (instant once done)
#   core         cargo test -p rselect-core for x86_64-pc-windows-gnu, the test
#                exes run by wine: WinSock tests of select_windows.rs among them
#   X.Y build    the binding for that CPython (PYO3_CROSS_PYTHON_VERSION=X.Y: a
#                .pyd links pythonXY.dll), installed into its site-packages
#   X.Y pytest   tests_windows/ (stock select vs rselect, side by side)
#   X.Y cli      python -m rselect info, run -c ..., bench --quick
#   X.Y conformance
#                tools/windows_conformance.py: CPython's test_selectors,
#                test_socketserver and the selector-loop asyncio tests with
#                stock and with rselect, no test that passes with stock may
#                fail with rselect
# Every cargo command here builds for x86_64-pc-windows-gnu in
# target/windows, apart from the Linux build in target/. rselect stays
# installed in the Windows CPythons afterwards (idle unless RSELECT_INSTALL
# is set); `scripts/windows-env.sh uninstall X.Y` takes it out.
# Prints a summary with each piece's time and the total; exits non-zero
# naming the pieces that failed.
# The pieces are functions that piece() calls: shellcheck cannot see that.
# shellcheck disable=SC2317
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
here=$(pwd)

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(3.10 3.11 3.12 3.13)
rust_target=x86_64-pc-windows-gnu
target_dir=target/windows
env_sh=$here/scripts/windows-env.sh

# shellcheck source=scripts/pieces.sh
. "$here/scripts/pieces.sh"
finish() {
    pieces_finish "test-windows summary (wine $(wine --version 2>/dev/null | sed 's/^wine-//'), Windows CPython ${versions[*]})" test-windows
}

# ---------------------------------------------------------------- pieces

core_tests() {
    local log
    log=$(mktemp)
    # shellcheck disable=SC2064
    trap "rm -f '$log'" RETURN
    cargo test -p rselect-core --target "$rust_target" --target-dir "$target_dir" 2>&1 | tee "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
    # The WinSock tests must have run, not only compiled.
    local n
    n=$(grep -c '^test select::tests::.* \.\.\. ok$' "$log")
    if [ "$n" -lt 10 ]; then
        echo "core: only $n select_windows.rs tests passed (expected 10 or more)"
        return 1
    fi
    echo "core: $n WinSock select() tests passed under wine"
}

build_and_install() {  # VERSION
    local v=$1 dll=$target_dir/$rust_target/debug/_rselect.dll
    PYO3_CROSS_PYTHON_VERSION=$v cargo build --quiet -p rselect-py \
        --target "$rust_target" --target-dir "$target_dir" || return 1
    [ -f "$dll" ] || { echo "no $dll after the build"; return 1; }
    "$env_sh" install "$v" "$dll" || return 1
    # It loads, into the right interpreter, and is not the stock module.
    "$env_sh" python "$v" -c '
import select, sys
import rselect
from rselect import _rselect
assert select.__name__ == "select", select
print("rselect", rselect.__version__, _rselect._build_profile, "loads into", sys.version.split()[0])
'
}

windows_pytest() {  # VERSION
    local v=$1 out rc
    out=$(cd /tmp && RSELECT_INSTALL='' "$env_sh" python "$v" -m pytest -q -p no:cacheprovider \
        "$("$env_sh" winpath "$here/tests_windows")" 2>&1)
    rc=$?
    echo "$out" | tr -d '\r'
    [ "$rc" -eq 0 ] || return 1
    # A module that skipped itself would pass with nothing run.
    if ! echo "$out" | grep -qE '[0-9]+ passed'; then
        echo "pytest: tests_windows did not run in full"
        return 1
    fi
}

cli() {  # VERSION
    local v=$1 out
    out=$(cd /tmp && RSELECT_INSTALL='' "$env_sh" python "$v" -m rselect info 2>&1) ||
        { echo "$out"; echo "cli: python -m rselect info failed"; return 1; }
    echo "$out" | tr -d '\r'
    echo "$out" | grep -q '^facilities *select' ||
        { echo "cli: info shows no select facility"; return 1; }
    out=$(cd /tmp && RSELECT_INSTALL='' "$env_sh" python "$v" -m rselect run -c 'import select; print(select)' 2>&1) ||
        { echo "$out"; echo "cli: python -m rselect run failed"; return 1; }
    echo "$out" | tr -d '\r'
    echo "$out" | grep -q "module 'rselect._rselect'" ||
        { echo "cli: run -c did not see rselect as select"; return 1; }
    out=$(cd /tmp && RSELECT_INSTALL='' "$env_sh" python "$v" -m rselect bench --quick 2>&1) ||
        { echo "$out"; echo "cli: python -m rselect bench --quick failed"; return 1; }
    echo "$out" | tr -d '\r' | grep -v '^\[[#.]*\]'
    echo "$out" | grep -q '^select-socket-ready-1000 ' ||
        { echo "cli: bench --quick measured no select-socket-ready-1000"; return 1; }
}

conformance() {  # VERSION
    python3 tools/windows_conformance.py --version "$1"
}

# ---------------------------------------------------------------- run

piece setup "$env_sh" setup "${versions[@]}" || finish
eval "$("$env_sh" env)"
piece core core_tests
for v in "${versions[@]}"; do
    if piece "$v build" build_and_install "$v"; then
        piece "$v pytest" windows_pytest "$v"
        piece "$v cli" cli "$v"
        piece "$v conformance" conformance "$v"
    else
        for p in pytest cli conformance; do not_run "$v $p" "the $v build failed"; done
    fi
done
finish
