#!/usr/bin/env bash
# Coverage-guided differential fuzzing of rselect's argument converters
# (atheris/libFuzzer over an instrumented build; fuzz/README.md).
#
#   fuzz/run.sh [SECONDS] [libFuzzer flags ...]      default 300 seconds
#
# Builds the instrumented module first if it is missing or older than the
# Rust sources (fuzz/build.sh: flock'd, one job, nice). The corpus grows in
# target/fuzz/corpus; a divergence or crash is written to results/fuzz/atheris/
# (crash-<sha1>: the input; re-run it with
#   target/fuzz-venv/bin/python fuzz/convert_fuzz.py results/fuzz/atheris/crash-<sha1>).
# Ends with the edges reached per source file (fuzz/coverage.py).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
[ $# -gt 0 ] && shift
so=$(ls target/fuzz-venv/lib/python3.*/site-packages/rselect/_rselect*.so 2>/dev/null | head -1 || true)
if [ -z "$so" ] || ! nm -D --undefined-only "$so" | grep -q __sanitizer_cov \
    || [ -n "$(find crates -name '*.rs' -newer "$so" | head -1)" ]; then
    fuzz/build.sh
fi
mkdir -p target/fuzz/corpus results/fuzz/atheris
status=0
target/fuzz-venv/bin/python fuzz/convert_fuzz.py -max_total_time="$secs" -timeout=10 \
    -print_final_stats=1 -artifact_prefix=results/fuzz/atheris/ "$@" target/fuzz/corpus \
    > target/fuzz/last-run.log 2>&1 || status=$?
grep -E "INFO: Loaded|INITED|pulse|DONE|Done|stat::|DivergenceError|Uncaught|crash-" \
    target/fuzz/last-run.log | grep -v NEW_FUNC || true
tail -n 3 target/fuzz/last-run.log | grep -E "^#[0-9]+" || true
target/fuzz-venv/bin/python fuzz/coverage.py target/fuzz/corpus
exit $status
