#!/usr/bin/env bash
# Build rselect with the test-only `testing` feature (debug profile) for
# every interpreter scripts/setup.sh found, into target/testing/X.Y (never
# into a virtual environment: a test build must not be mistaken for the
# module). tests_portable/ runs against it with PYTHONPATH=target/testing/X.Y.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -s .venvs/pythons.txt ] || { echo "build-testing: run scripts/setup.sh first" >&2; exit 1; }
args=()
while read -r v py; do
    args+=(-i "$("$py" -c 'import sys; print(sys._base_executable)')")
done < .venvs/pythons.txt
rm -rf target/testing-wheels
.venv/bin/maturin build --quiet -F testing "${args[@]}" -o target/testing-wheels
while read -r v py; do
    tag=$("$py" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')
    rm -rf "target/testing/$v"
    "$py" -m pip install -q --no-deps --target "target/testing/$v" target/testing-wheels/rselect-*-"$tag"-*.whl
done < .venvs/pythons.txt
echo "build-testing: $(wc -l < .venvs/pythons.txt) test builds in target/testing"
