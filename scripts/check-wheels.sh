#!/usr/bin/env bash
# The release set that `make wheels` put in dist/, checked (`make test-wheels`).
#
#   scripts/check-wheels.sh               the whole set (after `make wheels`)
#   VERSIONS="3.10 3.15" scripts/check-wheels.sh
#                         only these CPythons' wheels must be there, and only
#                         they are run (`make test`: see the Makefile)
#
# The pieces, each named in the summary, each a failure when it fails or
# cannot run (never a silent skip):
#   files          tools/check_wheels.py: the whole set is there and nothing
#                  else; per wheel its metadata, files, extension module name,
#                  `auditwheel show` policy (Linux) or imported DLLs (Windows);
#                  `twine check --strict`
#   win setup      scripts/windows-env.sh setup (wine, python.org's CPythons)
#   win X.Y        each win_amd64 wheel for a Windows CPython this machine has
#                  (3.10-3.13), installed into it by pip and run under wine:
#                  scripts/smoke-wheel.py, then removed
#   aarch64 X.Y    the manylinux_2_17_aarch64 wheels of 3.11, 3.13, 3.14 and
#                  3.15 (Debian has no 3.10 nor 3.12) in a fresh venv of
#                  Debian's arm64 CPython, under qemu-user
#                  (scripts/python-sid.sh --arch arm64): scripts/smoke-wheel.py
#   musl CPython X.Y
#                  the musllinux_1_2_x86_64 wheels of 3.11 and 3.13 in a fresh
#                  venv of CPython built with musl from Debian's source
#                  (scripts/python-musl.sh): scripts/smoke-wheel.py, then
#                  CPython's tests of select, poll, epoll, selectors and the
#                  selector event loop, stock vs rselect (tools/conformance.py)
#   musl ARCH      every musllinux_1_2 wheel's extension module loaded by
#                  Debian's musl 1.2 loader (`ld-musl-ARCH.so.1 --list`; the
#                  arm64 one under qemu): each symbol it needs that is not
#                  CPython's must resolve in musl (for the versions and the
#                  architecture no musl CPython here can import)
# The x86_64 glibc wheels are the ones `make setup` installed: every test runs
# them, and scripts/check-install.sh installs each into a fresh venv.
# Runs after scripts/test-windows.sh, which leaves its own build installed in
# the Windows CPythons: that build is put back after each wheel's run.
# The pieces are functions that piece() calls: shellcheck cannot see that.
# shellcheck disable=SC2317
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
here=$(pwd)
env_sh=$here/scripts/windows-env.sh
version=$(scripts/build-wheels.sh --version)
read -r -a versions <<<"${VERSIONS:-3.10 3.11 3.12 3.13 3.14 3.15}"
has() { [[ " ${versions[*]} " == *" $1 "* ]]; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=scripts/pieces.sh
. "$here/scripts/pieces.sh"


files() {
    local expect=() line
    while IFS= read -r line; do expect+=(--expect "$line"); done < <(scripts/build-wheels.sh --list)
    .venv/bin/python tools/check_wheels.py "${expect[@]}" --versions "${versions[@]}"
}

win() {  # VERSION
    local v=$1 whl site rc=0
    whl=$(scripts/build-wheels.sh --find "$v" win_amd64) || return 1
    "$env_sh" uninstall "$v" || return 1
    "$env_sh" pip-install "$v" "$whl" || return 1
    (cd /tmp && "$env_sh" python "$v" "$("$env_sh" winpath "$here/scripts/smoke-wheel.py")" \
        --version "$version") | tr -d '\r' || rc=1
    # Back to test-windows' state: its debug build of this checkout.
    site=$("$env_sh" site-packages "$v")
    rm -rf "$site"/rselect-*.dist-info
    "$env_sh" uninstall "$v"
    if [ -f target/windows/x86_64-pc-windows-gnu/debug/_rselect.dll ]; then
        "$env_sh" install "$v" target/windows/x86_64-pc-windows-gnu/debug/_rselect.dll 2>/dev/null
    fi
    return "$rc"
}

# A wheel for another platform, into the site-packages of a venv whose
# interpreter this machine's pip cannot run (or would run for minutes under
# qemu): the host's pip installs it, chosen by pip's own tag rules for that
# platform and CPython.
install_foreign() {  # WHEEL PLATFORM_TAG VERSION VENV
    .venv/bin/pip install -q --no-deps --no-index --only-binary=:all: \
        --platform "$2" --python-version "$3" --implementation cp \
        --abi "cp${3/./}" --target "$4/lib/python$3/site-packages" "$1"
}

aarch64() {  # VERSION (one of Debian's arm64 CPythons)
    local v=$1 whl root venv
    whl=$(scripts/build-wheels.sh --find "$v" manylinux_2_17_aarch64) || return 1
    root=$(scripts/python-sid.sh --arch arm64 "$v") || return 1
    venv=$work/arm64-$v
    qemu-aarch64-static -L "$root" "$root/usr/bin/python$v" -m venv --without-pip "$venv" || return 1
    install_foreign "$whl" manylinux_2_17_aarch64 "$v" "$venv" || return 1
    qemu-aarch64-static -L "$root" "$venv/bin/python" scripts/smoke-wheel.py \
        --version "$version" --run-prefix "qemu-aarch64-static -L $root"
}

# CPython's own tests that musl_cpython runs, stock select vs the wheel.
MUSL_SUITES=(test_select test_poll test_epoll test_selectors test_asyncio_selector)
musl_cpython() {  # VERSION (one scripts/python-musl.sh builds)
    local v=$1 whl py venv
    whl=$(scripts/build-wheels.sh --find "$v" musllinux_1_2_x86_64) || return 1
    py=$(scripts/python-musl.sh "$v") || return 1
    venv=$work/musl-$v
    "$py" -m venv --without-pip "$venv" || return 1
    install_foreign "$whl" musllinux_1_2_x86_64 "$v" "$venv" || return 1
    (cd /tmp && "$venv/bin/python" "$here/scripts/smoke-wheel.py" --version "$version") || return 1
    .venv/bin/python tools/conformance.py --python "$venv/bin/python" \
        "${MUSL_SUITES[@]/#/--suite=}"
}

musl() {  # ARCH
    local arch=$1 loader run=() whl so out n=0 bad
    case $arch in
        x86_64)
            scripts/install-tools.sh --packages musl || return 1
            loader=/lib/ld-musl-x86_64.so.1 ;;
        aarch64)
            local root
            root=$(scripts/python-sid.sh --arch arm64 3.15) || return 1
            loader=$root/usr/lib/ld-musl-aarch64.so.1
            run=(qemu-aarch64-static -L "$root") ;;
    esac
    [ -x "$loader" ] || { echo "no musl loader at $loader"; return 1; }
    for v in "${versions[@]}"; do
        whl=$(scripts/build-wheels.sh --find "$v" "musllinux_1_2_$arch") || return 1
        rm -rf "$work/musl" && mkdir -p "$work/musl"
        unzip -q -d "$work/musl" "$whl" 'rselect/_rselect.*.so' || return 1
        so=$(ls "$work"/musl/rselect/_rselect.*.so)
        out=$("${run[@]}" "$loader" --list "$so" 2>&1)
        # The loader must map the libc the wheel names to itself, and every
        # symbol left unresolved must be CPython's (Py*, _Py*).
        bad=$(echo "$out" | grep -F 'Error' | grep -vE ': _?Py[A-Za-z0-9_]*: symbol not found$')
        if ! echo "$out" | grep -qE "libc\.musl-$arch\.so\.1 => .*ld-musl-$arch\.so\.1" || [ -n "$bad" ]; then
            echo "$out" | grep -v ': _\?Py'
            echo "musl: $(basename "$whl") does not load in musl"
            return 1
        fi
        echo "musl: $(basename "$whl"): libc resolved, $(echo "$out" | grep -c 'symbol not found') CPython symbols left for the interpreter"
        n=$((n + 1))
    done
    echo "musl: $n wheels"
}

piece files files
# The Windows CPythons of scripts/windows-env.sh (set up when missing:
# instant once done); Debian's arm64 ones.
win_versions=()
for v in 3.10 3.11 3.12 3.13; do has "$v" && win_versions+=("$v"); done
if [ ${#win_versions[@]} -gt 0 ] && piece "win setup" "$env_sh" setup "${win_versions[@]}"; then
    for v in "${win_versions[@]}"; do piece "win $v" win "$v"; done
fi
for v in 3.11 3.13 3.14 3.15; do has "$v" && piece "aarch64 $v" aarch64 "$v"; done
for v in 3.11 3.13; do has "$v" && piece "musl CPython $v" musl_cpython "$v"; done
piece "musl x86_64" musl x86_64
piece "musl aarch64" musl aarch64

pieces_finish "check-wheels summary" check-wheels
