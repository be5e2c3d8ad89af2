#!/usr/bin/env bash
# Release wheels of rselect, built on this machine, into dist/.
#
#   scripts/build-wheels.sh [--sdist] [PLATFORM ...]
#   scripts/build-wheels.sh --list     the set: a line "PLATFORM WHEEL_TAG" each
#   scripts/build-wheels.sh --find X.Y WHEEL_TAG
#                         the path of that wheel in dist/ (fails if none): how
#                         setup.sh, check-install.sh and check-wheels.sh find it
#   scripts/build-wheels.sh --version   the version the wheels carry (Cargo.toml)
#
# PLATFORM (default: all five, and then --sdist is implied):
#   manylinux-x86_64    manylinux2014 = manylinux_2_17 (glibc 2.17): maturin
#                       --zig --compatibility manylinux2014; zig's linker
#                       links against glibc 2.17's symbol versions
#   manylinux-aarch64   the same, cross-compiled by zig
#   musllinux-x86_64    musllinux_1_2: --zig --compatibility musllinux_1_2,
#                       the Rust target *-unknown-linux-musl (musl linked
#                       dynamically: maturin turns crt-static off for cdylibs);
#                       then the libc it needs is renamed from zig's `libc.so`
#                       to Alpine's soname, libc.musl-ARCH.so.1 (fix_musl below)
#   musllinux-aarch64   the same, cross-compiled by zig
#   win-amd64           win_amd64: the Rust target x86_64-pc-windows-gnu,
#                       linked by MinGW-w64 (Debian's gcc-mingw-w64); PyO3
#                       makes the import library of pythonXY.dll itself
# One wheel per CPython in VERSIONS (default 3.10 to 3.15; docs/abi3.md says
# why per version, not abi3): `-i pythonX.Y` by name, so no interpreter is
# needed, for any platform: maturin configures PyO3 from the sysconfig data
# it carries for each target and version (for x86_64 it asks a pythonX.Y on
# PATH instead when there is one: the tools venv's python3.11).
# Release profile, default features only: never `testing`, never `abi3`.
#
# What it needs, each installed when missing and cached outside the clone:
# maturin and ziglang in .venv (requirements-dev.txt, scripts/setup.sh
# --tools), the rustup target of each platform, and for win-amd64 the MinGW
# Debian package (scripts/install-tools.sh). The wheels of the platforms
# built are replaced in dist/; others there are left alone, but rselect files
# of another version are removed: dist/ holds one version's release set.
# `scripts/setup.sh` builds its release wheels (the ones every test installs)
# with this script's manylinux-x86_64, so the wheels tested are the wheels
# shipped. Prints each wheel with its size.
set -euo pipefail
cd "$(dirname "$0")/.."

all_platforms=(manylinux-x86_64 manylinux-aarch64 musllinux-x86_64 musllinux-aarch64 win-amd64)
# [workspace.package]'s, the first `version =` line of Cargo.toml.
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
if [ "${1:-}" = --version ]; then echo "$version"; exit 0; fi
# The wheel of CPython X.Y with that platform tag (or the tag's end: a
# manylinux2014 wheel's file name carries both its tags).
wheel_glob() { echo "dist/rselect-$version-cp${1/./}-cp${1/./}-*$2.whl"; }
if [ "${1:-}" = --find ]; then
    # shellcheck disable=SC2046  # the glob is meant to expand
    ls $(wheel_glob "$2" "$3") 2>/dev/null || { echo "build-wheels: no $3 wheel for $2 in dist/" >&2; exit 1; }
    exit 0
fi

sdist=false
list=false
platforms=()
for a in "$@"; do
    case $a in
        --sdist) sdist=true ;;
        --list) list=true ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) platforms+=("$a") ;;
    esac
done
[ ${#platforms[@]} -gt 0 ] || { platforms=("${all_platforms[@]}"); sdist=true; }
read -r -a versions <<<"${VERSIONS:-3.10 3.11 3.12 3.13 3.14 3.15}"

# PLATFORM -> "RUST_TARGET COMPATIBILITY WHEEL_PLATFORM_TAG"
platform_of() {
    case $1 in
        manylinux-x86_64) echo "x86_64-unknown-linux-gnu manylinux2014 manylinux_2_17_x86_64" ;;
        manylinux-aarch64) echo "aarch64-unknown-linux-gnu manylinux2014 manylinux_2_17_aarch64" ;;
        musllinux-x86_64) echo "x86_64-unknown-linux-musl musllinux_1_2 musllinux_1_2_x86_64" ;;
        musllinux-aarch64) echo "aarch64-unknown-linux-musl musllinux_1_2 musllinux_1_2_aarch64" ;;
        win-amd64) echo "x86_64-pc-windows-gnu - win_amd64" ;;
        *) echo "build-wheels: unknown platform $1 (there are: ${all_platforms[*]})" >&2; return 1 ;;
    esac
}
for p in "${platforms[@]}"; do platform_of "$p" >/dev/null; done
if $list; then
    for p in "${platforms[@]}"; do read -r _ _ tag <<<"$(platform_of "$p")"; echo "$p $tag"; done
    exit 0
fi

# zig links a musl wheel against its own libc stub, whose soname is
# `libc.so`. musl's loader takes any `libc.*` name for itself, so the wheel
# loads either way, but the musllinux policy (auditwheel) allows the libc
# only under the soname Alpine gives it, libc.musl-ARCH.so.1, which is what a
# build on Alpine (pypa's musllinux images) records. So the wheel is
# unpacked, that one DT_NEEDED entry renamed (patchelf), and packed again
# (`wheel pack` writes a new RECORD).
fix_musl() {  # WHEEL ARCH
    local whl=$1 arch=$2 tmp so
    tmp=$(mktemp -d)
    wheel unpack -d "$tmp" "$whl" >/dev/null
    for so in "$tmp"/rselect-*/rselect/_rselect.*.so; do
        readelf -d "$so" | grep -qF 'Shared library: [libc.so]' || continue
        patchelf --replace-needed libc.so "libc.musl-$arch.so.1" "$so"
    done
    rm "$whl"
    wheel pack -d "$(dirname "$whl")" "$tmp"/rselect-* >/dev/null
    rm -rf "$tmp"
}

if [ ! -x .venv/bin/maturin ] || [ requirements-dev.txt -nt .venv/.requirements ]; then
    scripts/setup.sh --tools
fi
# maturin runs zig as `python3 -m ziglang` from the first python3 on PATH.
export PATH=$PWD/.venv/bin:$PATH
mkdir -p dist
find dist -maxdepth 1 -name 'rselect-*' ! -name "rselect-$version-*.whl" \
    ! -name "rselect-$version.tar.gz" -print -delete | sed 's/^/build-wheels: removed /'

t0=$SECONDS
for p in "${platforms[@]}"; do
    read -r target compat tag <<<"$(platform_of "$p")"
    if ! rustup target list --installed | grep -qx "$target"; then
        echo "build-wheels: adding the Rust target $target"
        rustup target add "$target"
    fi
    args=(--release --target "$target" -o dist)
    if [ "$compat" = - ]; then
        scripts/install-tools.sh --packages gcc-mingw-w64-x86-64-posix
    else
        args+=(--zig --compatibility "$compat")
    fi
    for v in "${versions[@]}"; do
        args+=(-i "python$v")
        # shellcheck disable=SC2046
        rm -f $(wheel_glob "$v" "$tag")
    done
    echo "== $p: ${versions[*]}"
    maturin build "${args[@]}"
    case $target in
        *-linux-musl)
            scripts/install-tools.sh patchelf
            for v in "${versions[@]}"; do
                fix_musl "$("$0" --find "$v" "$tag")" "${target%%-*}"
            done ;;
    esac
done
if $sdist; then
    rm -f "dist/rselect-$version.tar.gz"
    maturin sdist -o dist
fi

echo "== build-wheels: $((SECONDS - t0)) s"
for p in "${platforms[@]}"; do
    read -r target compat tag <<<"$(platform_of "$p")"
    for v in "${versions[@]}"; do
        w=$("$0" --find "$v" "$tag")
        printf '  %-78s %8d bytes\n' "$(basename "$w")" "$(stat -c %s "$w")"
    done
done
if $sdist; then
    s=dist/rselect-$version.tar.gz
    printf '  %-78s %8d bytes\n' "$(basename "$s")" "$(stat -c %s "$s")"
fi
