#!/usr/bin/env bash
# Build rselect with sanitizer-coverage instrumentation for the atheris fuzz
# target (fuzz/convert_fuzz.py) and install it into its own virtual
# environment, target/fuzz-venv (never into .venvs: this build is for fuzzing
# only).
#
#   fuzz/build.sh                 (needs .venv/bin/maturin; atheris comes from PyPI)
#
# The extension gets inline 8-bit edge counters, a PC table and comparison
# tracing (-C passes=sancov-module ...). Its __sanitizer_cov_* references are
# left undefined: atheris's core_with_libfuzzer module defines them, and
# fuzz/convert_fuzz.py loads that module with RTLD_GLOBAL before it imports
# rselect, so the counters register with atheris's libFuzzer.
#
# Dev profile at opt-level 1: overflow checks and debug assertions stay on (a
# panic surfaces as pyo3's PanicException, which the differential oracle reports).
# `--target` keeps RUSTFLAGS off build scripts and proc macros. The `testing`
# feature exposes the portable kevent as rselect._rselect._testing.kevent.
set -euo pipefail
cd "$(dirname "$0")/.."
# The interpreter of the fuzz venv: the one of .venvs/$PY (make's PY, 3.11
# by default), or BASE_PYTHON; made once (remove target/fuzz-venv to change it).
BASE_PYTHON=${BASE_PYTHON:-$(".venvs/${PY:-3.11}/bin/python" -c 'import sys; print(sys._base_executable)')}
VENV=target/fuzz-venv
if [ ! -x "$VENV/bin/python" ]; then
    "$BASE_PYTHON" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import atheris' 2>/dev/null; then
    "$VENV/bin/pip" install -q "atheris==3.0.0"
fi
SANCOV="-C passes=sancov-module -C llvm-args=-sanitizer-coverage-level=3"
SANCOV+=" -C llvm-args=-sanitizer-coverage-inline-8bit-counters"
SANCOV+=" -C llvm-args=-sanitizer-coverage-pc-table"
SANCOV+=" -C llvm-args=-sanitizer-coverage-trace-compares"
rm -rf target/fuzz/wheels
flock /tmp/rselect-build.lock env \
    CARGO_BUILD_JOBS=1 \
    CARGO_PROFILE_DEV_OPT_LEVEL=1 \
    RUSTFLAGS="$SANCOV" \
    nice -n 10 .venv/bin/maturin build --quiet --profile dev -F testing \
        --target x86_64-unknown-linux-gnu --target-dir target/fuzz \
        -i "$VENV/bin/python" -o target/fuzz/wheels
"$VENV/bin/pip" install -q --no-deps --force-reinstall target/fuzz/wheels/rselect-*.whl
so=$("$VENV/bin/python" -c 'import rselect._rselect as m; print(m.__file__)' 2>/dev/null || \
     find "$VENV" -name '_rselect*.so' | head -1)
echo "fuzz/build.sh: instrumented module $so"
echo "fuzz/build.sh: $(nm -D --undefined-only "$so" | grep -c __sanitizer_cov) sancov hooks imported"
