#!/usr/bin/env bash
# The binding compiled for a free-threaded CPython (3.14t and 3.15t), which
# no package here provides: `cargo check` and `clippy -D warnings` against a
# PyO3 build configuration file with the `Py_GIL_DISABLED` flag. Catches what
# PyO3 refuses or changes without the GIL (e.g. APIs that need it); the
# audit of the module's state is in docs/design.md ("Free-threaded builds").
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/freethreaded
mkdir -p "$dir"
for v in 3.14 3.15; do
    cfg=$dir/pyo3-$v.cfg
    cat > "$cfg" <<CFG
implementation=CPython
version=$v
shared=true
abi3=false
lib_name=python${v}t
pointer_width=64
build_flags=Py_GIL_DISABLED
suppress_build_script_link_lines=true
CFG
    echo "== free-threaded $v: cargo check + clippy of rselect-py"
    PYO3_CONFIG_FILE=$PWD/$cfg cargo clippy -p rselect-py --all-targets --quiet \
        --target-dir "$dir/$v" -- -D warnings
done
echo "check-freethreaded: 3.14t and 3.15t compile and are clippy-clean"
