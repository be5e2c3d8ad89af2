#!/usr/bin/env bash
# Type-check and lint the workspace for every platform we cannot run here:
# `cargo check` and `cargo clippy -D warnings` (all targets: tests too) per
# Rust target, with PyO3 configured for a CPython 3.11 of that platform; and
# with no arguments also `cargo check` with the oldest Rust allowed
# (rust-version in Cargo.toml).
#
#   scripts/check-targets.sh [TARGET ...]      default: the list below
#
# Each target's standard library is installed with rustup first. A target
# whose standard library cannot be installed right now (no network, a
# mirror hiccup) is reported as a SKIP line naming it; that fails the run in
# CI (CI set, as .ci/run does) and not on a developer's machine. Any compile
# error or clippy warning fails it everywhere.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(
    aarch64-apple-darwin
    x86_64-apple-darwin
    x86_64-unknown-freebsd
    x86_64-unknown-netbsd
    x86_64-unknown-illumos
    x86_64-pc-windows-msvc
    # Linux with other C types than this machine's: 32-bit `long` and
    # `rlim_t` (i686); musl's `time_t` (which Rust's libc deprecates naming).
    # aarch64 (unsigned `char`) is compiled by `make wheels`.
    i686-unknown-linux-gnu
    x86_64-unknown-linux-musl
)
export PYO3_CROSS_PYTHON_VERSION=${PYO3_CROSS_PYTHON_VERSION:-3.11}
# Windows needs no import library to type-check.
export PYO3_NO_PYTHON=1

failed=()
skipped=()
for t in "${targets[@]}"; do
    if ! rustup target list --installed | grep -qx "$t"; then
        if ! rustup target add "$t" >/dev/null 2>&1; then
            echo "check-targets: SKIP $t (its standard library could not be installed now)"
            skipped+=("$t")
            continue
        fi
    fi
    echo "== $t: cargo check, cargo clippy -D warnings"
    if cargo check --workspace --all-targets --target "$t" --quiet &&
       cargo check --workspace --all-targets --target "$t" --features rselect-py/testing --quiet &&
       cargo clippy --workspace --all-targets --target "$t" --quiet -- -D warnings; then
        echo "check-targets: OK $t"
    else
        echo "check-targets: FAILED $t"
        failed+=("$t")
    fi
done
# The oldest Rust that Cargo.toml's rust-version allows, which is what
# building the sdist needs (README, "Install"): cargo check on this machine's
# target, in target/msrv, with the toolchain rustup installs (minimal profile).
if [ $# -eq 0 ]; then
    msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
    targets+=("rust-$msrv")
    echo "== rust $msrv (rust-version): cargo check"
    if ! rustup run "$msrv" rustc --version >/dev/null 2>&1 &&
       ! rustup toolchain install "$msrv" --profile minimal >/dev/null 2>&1; then
        echo "check-targets: SKIP rust-$msrv (the toolchain could not be installed now)"
        skipped+=("rust-$msrv")
    elif env -u PYO3_NO_PYTHON -u PYO3_CROSS_PYTHON_VERSION \
            cargo "+$msrv" check --workspace --all-targets --target-dir target/msrv --quiet; then
        echo "check-targets: OK rust-$msrv"
    else
        echo "check-targets: FAILED rust-$msrv"
        failed+=("rust-$msrv")
    fi
fi
echo "check-targets: ${#targets[@]} targets, ${#failed[@]} failed${failed:+ (${failed[*]})}, ${#skipped[@]} skipped${skipped:+ (${skipped[*]})}"
[ ${#failed[@]} -eq 0 ] || exit 1
case ${CI:-} in
    "" | false | 0) ;;
    *) [ ${#skipped[@]} -eq 0 ] || { echo "check-targets: a skipped target fails in CI" >&2; exit 1; } ;;
esac
