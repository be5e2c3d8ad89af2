#!/usr/bin/env bash
# The Rust core crate's tests (crates/rselect-core) under valgrind memcheck.
#
#   scripts/memcheck.sh [extra test-harness arguments, e.g. a test name filter]
#
# Opt-in (`make memcheck`). Builds the test executables of rselect-core
# (unit tests and tests/*.rs, debug profile) with cargo, takes their paths
# from cargo's JSON messages, and runs each one under
#
#   valgrind --tool=memcheck --leak-check=full --error-exitcode=1
#
# one test at a time (--test-threads=1). Any invalid read or write, use of
# uninitialised memory, bad free, or a definitely/indirectly/possibly lost
# block fails the run, with one exception, suppressed below by name: the
# 48-byte handle std keeps for the test harness's main thread
# (std::thread::current::init_current, reached from the harness's channel),
# reported as "possibly lost" at exit in every Rust test binary.
#
# valgrind is installed when missing (scripts/install-tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh valgrind

supp=$(mktemp)
json=$(mktemp)
trap 'rm -f "$supp" "$json"' EXIT
cat > "$supp" <<'EOF'
{
   rust-std-main-thread-handle-of-the-test-harness
   Memcheck:Leak
   match-leak-kinds: possible
   fun:malloc
   ...
   fun:*std*thread*current*init_current*
}
EOF

echo "memcheck: building the rselect-core test executables"
cargo test -p rselect-core --no-run --message-format=json > "$json"
mapfile -t executables < <(
    python3 -c '
import json, sys
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if (msg.get("reason") == "compiler-artifact"
            and msg.get("profile", {}).get("test")
            and msg.get("executable")
            and msg.get("target", {}).get("src_path", "").find("rselect-core") >= 0):
        print(msg["executable"])
' < "$json"
)
if [ ${#executables[@]} -eq 0 ]; then
    echo "memcheck: cargo reported no test executable for rselect-core" >&2
    exit 1
fi

status=0
for exe in "${executables[@]}"; do
    echo "memcheck: valgrind $(basename "$exe")"
    # The crate's tests expect to run from the crate directory, as cargo test does.
    if ! (cd crates/rselect-core && valgrind --tool=memcheck --leak-check=full \
            --error-exitcode=1 --suppressions="$supp" --track-origins=yes \
            "$exe" --test-threads=1 "$@"); then
        echo "memcheck: FAILED: $(basename "$exe")" >&2
        status=1
    fi
done
if [ "$status" -eq 0 ]; then
    echo "memcheck: ${#executables[@]} test executables clean under valgrind memcheck"
fi
exit "$status"
