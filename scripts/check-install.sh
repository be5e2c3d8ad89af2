#!/usr/bin/env bash
# What a user installs, checked in fresh virtual environments:
#   - the wheel `make setup` built for each interpreter (dist/), one venv each;
#   - `pip install .` (PEP 517: pip reads pyproject.toml, fetches maturin,
#     builds from this checkout) into a venv of the first interpreter;
#   - the sdist (`maturin sdist`), unpacked nowhere: pip builds it from
#     scratch into a venv of the last interpreter.
# Each venv then runs a smoke test: rselect.select on a real pipe, poll and
# epoll on it, rselect.selectors, install()/uninstall(), the compiled module
# built for this interpreter, and `python -m rselect info`.
#
#   scripts/check-install.sh [VERSION ...]     default: every interpreter
#                                              scripts/setup.sh found
#
# Base interpreters come from .venvs/pythons.txt (written by scripts/setup.sh);
# the ones setup could not find are reported again here. A version asked for
# by name that setup did not find fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."

versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
    mapfile -t versions < <(awk '{print $1}' .venvs/pythons.txt)
    for v in $(cat .venvs/missing.txt 2>/dev/null); do
        echo "check-install: interpreter MISSING for Python $v (reported by setup)" >&2
    done
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

base_of() {
    local venv_py
    venv_py=$(awk -v v="$1" '$1 == v {print $2}' .venvs/pythons.txt 2>/dev/null || true)
    [ -n "$venv_py" ] || { echo "check-install: no interpreter for $1 (run scripts/setup.sh)" >&2; exit 1; }
    "$venv_py" -c 'import sys; print(sys._base_executable)'
}

# smoke VENV HOW: the installed package works in that venv.
smoke() {
    (cd "$work" && "$1/bin/python" - "$2" <<'PY'
import os
import sys
import sysconfig

import rselect
import rselect._rselect as ext
from rselect import selectors

how = sys.argv[1]
r, w = os.pipe()
os.write(w, b"x")
assert rselect.select([r], [w], [], 0) == ([r], [w], []), "select on a pipe"
p = rselect.poll()
p.register(r, rselect.POLLIN)
assert p.poll(0) == [(r, rselect.POLLIN)], "poll on a pipe"
if hasattr(rselect, "epoll"):
    with rselect.epoll() as ep:
        ep.register(r, rselect.EPOLLIN)
        assert ep.poll(0) == [(r, rselect.EPOLLIN)], "epoll on a pipe"
with selectors.DefaultSelector() as sel:
    sel.register(r, selectors.EVENT_READ, "data")
    [(key, events)] = sel.select(0)
    assert (key.fd, key.data, events) == (r, "data", selectors.EVENT_READ), "selectors"
rselect.install()
import select

assert select is ext and rselect.installed(), "install()"
rselect.uninstall()
assert not rselect.installed(), "uninstall()"
pth = os.path.join(sysconfig.get_paths()["purelib"], "rselect-startup.pth")
assert os.path.exists(pth), "the startup hook's .pth file was not installed"
tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
assert tag in ext.__file__ or "abi3" in ext.__file__, ext.__file__
print(f"check-install: Python {sys.version.split()[0]}: {how} OK ({os.path.basename(ext.__file__)})")
PY
    )
    (cd "$work" && "$1/bin/python" -m rselect info > /dev/null)
}

fresh_venv() {
    scripts/make-venv.sh "$(base_of "$1")" "$2"
}

# The wheels of `make setup`, one fresh venv per interpreter.
for v in "${versions[@]}"; do
    tag=cp${v/./}
    wheel=$(ls dist/rselect-*-"$tag"-*.whl dist/rselect-*-abi3-*.whl 2>/dev/null | head -n 1 || true)
    [ -n "$wheel" ] || { echo "check-install: no wheel for $v in dist/ (run scripts/setup.sh)" >&2; exit 1; }
    fresh_venv "$v" "$work/wheel-$v"
    "$work/wheel-$v/bin/pip" install -q "$wheel"
    smoke "$work/wheel-$v" "wheel $(basename "$wheel")"
done

# `pip install .` from this checkout.
first=${versions[0]}
fresh_venv "$first" "$work/checkout-$first"
"$work/checkout-$first/bin/pip" install -q .
smoke "$work/checkout-$first" "pip install ."

# The sdist, built by maturin and then built from scratch by pip.
last=${versions[${#versions[@]}-1]}
.venv/bin/maturin sdist -o "$work/sdist" > /dev/null
sdist=$(ls "$work"/sdist/rselect-*.tar.gz)
fresh_venv "$last" "$work/sdist-$last"
"$work/sdist-$last/bin/pip" install -q "$sdist"
smoke "$work/sdist-$last" "sdist $(basename "$sdist")"
