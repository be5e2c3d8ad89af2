#!/usr/bin/env bash
# CPython on Debian 12 from Debian's binary packages: 3.14 and 3.15 from sid,
# and for the aarch64 wheels arm64 ones from bookworm, trixie and sid.
#
#   scripts/python-sid.sh 3.14 [3.15 ...]    prints the interpreter path of each
#   scripts/python-sid.sh --arch arm64 3.11|3.13|3.14|3.15 ...
#                         Debian's arm64 CPython, run by qemu-user: 3.11 from
#                         bookworm, 3.13 from trixie, 3.14 and later from sid
#                         (Debian has no 3.10 nor 3.12). Prints the root of
#                         each; run its python as
#                         qemu-aarch64-static -L ROOT ROOT/usr/bin/pythonX.Y
#                         (the aarch64 wheels' smoke test, scripts/check-wheels.sh)
#
# Neither python.org nor a source package can be had here, and sid's python
# needs glibc >= 2.38 (Debian 12 has 2.36). So each version goes into a
# private root with sid's own libc and the libraries the interpreter and its
# extension modules link, unpacked with `dpkg-deb -x` (nothing is installed on
# the machine), and patchelf points the executable at that root's loader and
# libraries. apt runs on a private state (scripts/debian-apt.sh).
#
# Cached outside the clone: ${RSELECT_CACHE:-~/.cache/rselect}/python-sid/X.Y,
# built once per machine (about 20 MB and half a minute per version). The
# interpreter is root/usr/bin/pythonX.Y; `-m venv --without-pip` works, and
# pip comes from sid's python3-pip-whl (print_pip_wheel below), because Debian
# 12's ensurepip wheel is too old for 3.14.
#
# arm64 roots (in python-sid/arm64/X.Y, 70 to 140 MB each: bookworm's pulls
# in perl, through mailcap) need no patchelf:
# qemu's -L makes ROOT the root of every path the loader looks up. Each holds
# the interpreter, its stdlib and musl, with everything they depend on in
# their suite, as apt resolves it (so no list of library names per suite).
# They have no test package and no pip; Debian's qemu-user-static is
# installed when missing (scripts/install-tools.sh).
#
# Only the path lines go to stdout; progress goes to stderr.
set -euo pipefail

arch=amd64
if [ "${1:-}" = --arch ]; then arch=$2; shift 2; fi
case $arch in amd64 | arm64) ;; *) echo "python-sid: --arch amd64 or arm64, not $arch" >&2; exit 2 ;; esac
cache=${RSELECT_CACHE:-$HOME/.cache/rselect}/python-sid

# What the interpreter, its stdlib extension modules and CPython's test
# package need at run time (sid's names).
libs=(libc6 libgcc-s1 libexpat1 libzstd1 zlib1g libssl3t64 libffi8 libbz2-1.0 liblzma5
      libncursesw6 libtinfo6 libreadline8t64 libsqlite3-0 libuuid1 libdb5.3t64 libmpdec4
      libstdc++6 libcrypt1 libgdbm6t64 libgdbm-compat4t64 media-types tzdata)

log() { echo "python-sid: $*" >&2; }

ensure_patchelf() {
    command -v patchelf >/dev/null 2>&1 && return
    "$(dirname "$0")/install-tools.sh" patchelf >&2
}

# shellcheck source=scripts/debian-apt.sh
. "$(dirname "$0")/debian-apt.sh"
apt_state() {  # [SUITE]: a private apt state holding SUITE's (sid's) package lists of $arch
    local suite=${1:-sid} d=$cache/apt
    [ "$arch" = amd64 ] || d=$cache/apt-$arch-$suite
    private_apt "$d" "$arch" "deb $suite"
}

build() {
    local v=$1 root=$cache/$1 tmp debs
    tmp=$(mktemp -d "$cache/.build-$v.XXXX")
    trap 'rm -rf "$tmp"' RETURN
    apt_state
    debs=("${libs[@]}" "python$v" "python$v-minimal" "libpython$v-minimal"
          "libpython$v-stdlib" "libpython$v-testsuite" "python$v-venv" python3-pip-whl
          python3-setuptools-whl)
    log "downloading ${#debs[@]} packages for Python $v"
    (cd "$tmp" && apt-get "${APT_OPTS[@]}" -qq download "${debs[@]}" >&2)
    mkdir -p "$tmp/root"
    for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
    local exe=$tmp/root/usr/bin/python$v
    [ -x "$exe" ] || { log "python$v not in the packages"; return 1; }
    # The absolute paths are those of the final root (renamed into place below).
    # --force-rpath writes DT_RPATH, which (unlike RUNPATH) also serves the
    # libraries that extension modules load.
    ensure_patchelf
    patchelf --set-interpreter "$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
        --force-rpath --set-rpath "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" \
        "$exe"
    rm -rf "$root"
    mv "$tmp/root" "$root"
    "$root/usr/bin/python$v" -c 'import ssl, sqlite3, ctypes, decimal, lzma, bz2, readline, test.support' \
        || { log "Python $v from sid does not start"; rm -rf "$root"; return 1; }
    log "Python $v ready: $root/usr/bin/python$v ($("$root/usr/bin/python$v" -V))"
}

# An arm64 root: the interpreter and its stdlib, run under qemu-user, and
# musl's loader (the musllinux aarch64 wheels' check).
arm64_suite() {
    case $1 in
        3.11) echo bookworm ;;
        3.13) echo trixie ;;
        3.1[4-9]) echo sid ;;
        *) log "no arm64 CPython $1 in Debian (3.11, 3.13, 3.14 and later)"; return 2 ;;
    esac
}
# The packages a root is the dependency closure of.
arm64_packages() { echo "python$1 libpython$1-stdlib musl"; }
arm64_request() {  # what a root is built from: the marker of a cached one
    local suite
    suite=$(arm64_suite "$1") || return
    echo "$suite: $(arm64_packages "$1")"
}
build_arm64() {
    local v=$1 suite root=$cache/arm64/$1 tmp debs top
    suite=$(arm64_suite "$v")
    mkdir -p "$cache/arm64"
    tmp=$(mktemp -d "$cache/arm64/.build-$v.XXXX")
    trap 'rm -rf "$tmp"' RETURN
    apt_state "$suite"
    # Every package these depend on, recursively (Depends and Pre-Depends;
    # "<name>" lines are virtual packages, provided by one that is listed).
    read -r -a top <<<"$(arm64_packages "$v")"
    mapfile -t debs < <(apt-cache "${APT_OPTS[@]}" depends --recurse --no-recommends \
        --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
        "${top[@]}" | grep -E '^[a-z0-9]' | sort -u)
    [[ " ${debs[*]} " == *" python$v "* ]] || { log "python$v not in $suite's arm64 lists"; return 1; }
    log "downloading ${#debs[@]} arm64 packages of $suite for Python $v"
    (cd "$tmp" && apt-get "${APT_OPTS[@]}" -qq download "${debs[@]}" >&2)
    mkdir -p "$tmp/root"
    for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
    # The merged-/usr links (base-files') that the loader's path
    # /lib/ld-linux-aarch64.so.1 needs, where the packages put it in /usr.
    [ -e "$tmp/root/lib" ] || ln -s usr/lib "$tmp/root/lib"
    rm -rf "$root"
    mv "$tmp/root" "$root"
    qemu-aarch64-static -L "$root" "$root/usr/bin/python$v" -c 'import ssl, ctypes, decimal, select, socket' \
        || { log "arm64 Python $v from $suite does not start under qemu"; rm -rf "$root"; return 1; }
    arm64_request "$v" > "$root/.rselect-packages"
    log "arm64 Python $v ready: $root/usr/bin/python$v ($(qemu-aarch64-static -L "$root" "$root/usr/bin/python$v" -V))"
}

# The pip wheel that venvs of these interpreters are seeded with.
print_pip_wheel() {
    compgen -G "$cache/$1/usr/share/python-wheels/pip-*.whl" | head -n 1
}

if [ "${1:-}" = --pip-wheel ]; then print_pip_wheel "$2"; exit; fi

mkdir -p "$cache"
if [ "$arch" = arm64 ]; then
    "$(dirname "$0")/install-tools.sh" --packages qemu-user-static >&2
    for v in "$@"; do
        request=$(arm64_request "$v") || exit 2
        root=$cache/arm64/$v
        # Built before, by this request?
        if [ "$(cat "$root/.rselect-packages" 2>/dev/null)" != "$request" ]; then
            exec 9>"$cache/.lock"; flock 9
            [ "$(cat "$root/.rselect-packages" 2>/dev/null)" = "$request" ] || build_arm64 "$v"
            flock -u 9
        fi
        echo "$root"
    done
    exit 0
fi
for v in "$@"; do
    case $v in 3.1[4-9]) ;; *) log "only 3.14 and later come from sid (asked: $v)"; exit 2 ;; esac
    exe=$cache/$v/usr/bin/python$v
    if ! "$exe" -c 'import test.support' >/dev/null 2>&1; then
        # One build at a time per cache, even with `make -j`.
        exec 9>"$cache/.lock"; flock 9
        "$exe" -c 'import test.support' >/dev/null 2>&1 || build "$v"
        flock -u 9
    fi
    echo "$exe"
done
