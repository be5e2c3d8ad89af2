#!/usr/bin/env bash
# CPython linked with musl, to import the musllinux_1_2_x86_64 wheels
# (scripts/check-wheels.sh).
#
#   scripts/python-musl.sh 3.11|3.13 ...    prints the interpreter path of each
#
# Alpine, where musl CPythons come from, cannot be reached here, and neither
# Debian nor PyPI has a musl CPython. Debian's source packages of CPython can
# be had: 3.11 from bookworm, 3.13 from trixie (sid's index lists 3.14 and
# 3.15, but their files are not on the mirror; no suite has 3.10 or 3.12).
# So the upstream tarball of that source package (its .orig, unpatched) is
# built with Debian's musl-gcc (musl-tools). apt downloads it on a private
# state (scripts/debian-apt.sh): the signed index checks every file.
#
# There is no zlib, OpenSSL, libffi and the like for musl here, so those
# modules are left out; what the smoke test of a wheel and CPython's own
# tests of select need is all there (socket, select, subprocess, selectors,
# sysconfig, the test package). No pip: a wheel goes in with the host's pip
# and --target (scripts/check-wheels.sh).
#
# Cached outside the clone: ${RSELECT_CACHE:-~/.cache/rselect}/python-musl/X.Y,
# built once per machine (a few minutes per version on 2 cores). The
# interpreter is X.Y/bin/pythonX.Y; its dynamic loader is musl's
# /lib/ld-musl-x86_64.so.1 (Debian's musl package). Only the path lines go to
# stdout; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${RSELECT_CACHE:-$HOME/.cache/rselect}/python-musl

log() { echo "python-musl: $*" >&2; }
# shellcheck source=scripts/debian-apt.sh
. "$here/debian-apt.sh"

suite_of() {
    case $1 in
        3.11) echo bookworm ;;
        3.13) echo trixie ;;
        *) log "no Debian suite has the source of CPython $1 (there are: 3.11, 3.13)"; return 2 ;;
    esac
}

# The interpreter works, and is the musl one.
works() {  # EXE
    [ -x "$1" ] && "$1" -c '
import binascii, select, selectors, socket, subprocess, sysconfig, test.support
assert sysconfig.get_config_var("HOST_GNU_TYPE").endswith("-musl"), sysconfig.get_config_var("HOST_GNU_TYPE")
' >/dev/null 2>&1
}

build() {  # VERSION
    local v=$1 prefix=$cache/$1 tmp orig src
    tmp=$(mktemp -d "$cache/.build-$v.XXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" RETURN
    private_apt "$cache/apt" amd64 "deb-src bookworm" "deb-src trixie"
    log "downloading the source of python$v from $(suite_of "$v")"
    (cd "$tmp" && apt-get "${APT_OPTS[@]}" -qq source --download-only "python$v/$(suite_of "$v")" >&2)
    orig=$(compgen -G "$tmp/python${v}_*.orig.tar.[gx]z" | head -n 1)
    [ -n "$orig" ] || { log "no upstream tarball in the source package of python$v"; return 1; }
    tar -xf "$orig" -C "$tmp"
    src=$(compgen -G "$tmp/Python-$v.*" | head -n 1)
    log "building $(basename "$src") with musl-gcc into $prefix"
    rm -rf "$prefix"
    # musl-gcc is Debian's gcc with musl's headers and libraries, but asked
    # for its multiarch it says x86_64-linux-gnu: configure then stops (at
    # odds with the musl triplet it detects), and setup.py would add glibc's
    # header directory to every extension module's build. This wrapper says
    # x86_64-linux-musl, whose directories are musl's own.
    cat > "$tmp/musl-cc" <<'CC'
#!/bin/sh
case $1 in -print-multiarch | --print-multiarch) echo x86_64-linux-musl; exit 0 ;; esac
exec musl-gcc "$@"
CC
    chmod +x "$tmp/musl-cc"
    # pkg-config would offer the machine's glibc-built libraries (zlib, lzma,
    # ...); with none, configure looks for their headers with musl-gcc alone,
    # finds none, and builds what does without them (binascii, say).
    mkdir "$tmp/no-pkgconfig"
    (cd "$src" && export PKG_CONFIG_LIBDIR=$tmp/no-pkgconfig PKG_CONFIG_PATH= &&
        ./configure -q CC="$tmp/musl-cc" --prefix="$prefix" --with-ensurepip=no &&
        make -s -j"$(nproc)" &&
        make -s install) > "$tmp/build.log" 2>&1 ||
        { tail -n 40 "$tmp/build.log" >&2; log "the build of $v failed"; return 1; }
    works "$prefix/bin/python$v" || { log "the musl Python $v does not start"; return 1; }
    log "musl Python $v ready: $prefix/bin/python$v"
}

[ $# -gt 0 ] || { echo "usage: scripts/python-musl.sh 3.11|3.13 ..." >&2; exit 2; }
for v in "$@"; do suite_of "$v" >/dev/null; done
"$here/install-tools.sh" --packages musl musl-dev musl-tools >&2
mkdir -p "$cache"
for v in "$@"; do
    exe=$cache/$v/bin/python$v
    if ! works "$exe"; then
        # One build at a time per cache, even with `make -j`.
        exec 9>"$cache/.lock"; flock 9
        works "$exe" || build "$v"
        flock -u 9
    fi
    echo "$exe"
done
