# rselect: `make help` lists the targets.
SHELL := /bin/bash
# Every interpreter `make setup` made a venv for, as .venvs/X.Y/bin/python.
PYTHONS = $(shell awk '{print $$2}' .venvs/pythons.txt 2>/dev/null)
VERSIONS ?= 3.10 3.11 3.12 3.13 3.14 3.15
# The one interpreter of the single-interpreter targets (demo, dev, check,
# bench*, fuzz, stress): PY=3.14 make check.
PY ?= 3.11
PYTHON = $(CURDIR)/.venvs/$(PY)/bin/python
# The interpreter benches/instructions-baseline.json was measured on.
BUDGET_PY = $(shell sed -n 's/.*"python": "\(3\.[0-9]*\)\..*/\1/p' benches/instructions-baseline.json)
# The fast pytest tier of `make check`: everything but tests/reliability/.
FAST_TESTS = --ignore=reliability

# Targets run one at a time, in the order written, under `make -j` too: the
# steps share target/ and the venvs, and every build uses both cores.
.NOTPARALLEL:

# Fails a recipe that needs the interpreters before `make setup` made them.
need-pythons = $(if $(PYTHONS),,$(error no interpreters in .venvs/pythons.txt: run `make setup` first))

.PHONY: help
help: ## this list
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-18s %s\n", $$1, $$2}'

.PHONY: setup
setup: ## build rselect (release) and install it into .venvs/X.Y for every interpreter in VERSIONS
	scripts/setup.sh $(VERSIONS)

.PHONY: tools
tools: ## only .venv, the build and lint tools (maturin, ruff)
	scripts/setup.sh --tools

.PHONY: dev
dev: ## a debug build of rselect into .venvs/$(PY) only (seconds when only the binding changed)
	RSELECT_PROFILE=dev scripts/setup.sh $(PY)

.PHONY: demo
demo: ## build, show facilities and limits, compare with stock: select() and an asyncio program
	scripts/setup.sh $(PY)
	$(PYTHON) -m rselect info
	$(PYTHON) -m rselect bench --quick
	$(PYTHON) benches/echo.py --compare

.PHONY: check
check: lint test-rust dev test-fast ## the inner loop, a few minutes: lints, core tests, `make dev`, the fast pytest tier on $(PY)
	@echo "make check: all green (PY=$(PY))"

.PHONY: test-fast
test-fast: ## pytest without the reliability runs, on $(PY) (whatever build is installed there)
	cd tests && $(PYTHON) -m pytest -q -p no:cacheprovider $(FAST_TESTS) .

.PHONY: test
# `check` first, so that a broken build or lint fails in minutes; then the
# release builds. test-portable (which makes the test builds in
# target/testing) comes before test-python: the bad input catalogue checks
# devpoll/kqueue/kevent on them.
# The release wheels: `setup` builds the manylinux_2_17_x86_64 ones, the
# very ones every step after it tests; wheels-cross and test-wheels-some
# (after test-windows, whose wine setup they use) build and check the other
# platforms' (see TEST_WHEEL_VERSIONS).
test: check setup check-targets typecheck test-portable test-python conformance test-install test-instructions test-windows wheels-cross test-wheels-some ## everything CI runs
	@echo "make test: all green"

.PHONY: test-rust
test-rust: ## cargo tests of the core crate (the binding is tested from Python)
	cargo test -p rselect-core --quiet

.PHONY: check-targets
check-targets: ## cargo check + clippy -D warnings for macOS, FreeBSD, NetBSD, illumos, Windows, i686 and musl Linux (installs rustup targets) and free-threaded 3.14t/3.15t
	scripts/check-targets.sh
	scripts/check-freethreaded.sh

.PHONY: test-portable
test-portable: ## kqueue/kevent/devpoll logic on Linux: a test build (--features testing) per interpreter, tests_portable/
	$(need-pythons)
	scripts/build-testing.sh
	@set -e; while read -r v py; do \
	  echo "== tests_portable on $$v"; \
	  PYTHONPATH=$(CURDIR)/target/testing/$$v $$py -m pytest -q -p no:cacheprovider tests_portable; \
	done < .venvs/pythons.txt

.PHONY: test-python
test-python: ## pytest (differential + behaviour) on every installed interpreter
	$(need-pythons)
	@set -e; for py in $(PYTHONS); do \
	  echo "== pytest on $$($$py -c 'import sys; print(sys.version.split()[0])')"; \
	  (cd tests && $$py -m pytest -q -p no:cacheprovider .); \
	done

.PHONY: typecheck
typecheck: ## stubs vs the built module (mypy.stubtest) and mypy --strict over a usage file, per interpreter and for linux/darwin/freebsd/sunos5/win32
	$(need-pythons)
	@set -e; for py in $(PYTHONS); do \
	  v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	  echo "== typecheck on $$v"; \
	  $$py -m mypy.stubtest rselect --allowlist tools/typecheck/stubtest-allowlist.txt \
	    --mypy-config-file tools/typecheck/mypy.ini; \
	  for p in linux darwin freebsd sunos5 win32; do \
	    $$py -m mypy --strict --platform $$p --config-file tools/typecheck/mypy.ini \
	      --cache-dir target/mypy-$$v-$$p tools/typecheck/usage.py; \
	  done; \
	done

.PHONY: conformance
conformance: ## CPython's own tests, stock select vs rselect, on every installed interpreter (the whole test_asyncio on the oldest and newest, its selector-loop modules on the others)
	.venv/bin/python tools/conformance.py $(addprefix --python ,$(PYTHONS))
	@if [ -s .venvs/missing.txt ]; then echo "conformance: interpreters MISSING: $$(cat .venvs/missing.txt | xargs)"; fi

.PHONY: conformance-full
conformance-full: ## conformance with the whole test_asyncio on every interpreter
	$(need-pythons)
	.venv/bin/python tools/conformance.py --asyncio-everywhere $(addprefix --python ,$(PYTHONS))

.PHONY: test-windows
test-windows: ## the Windows build under wine, python.org's CPython 3.10-3.13: core tests, tests_windows/, CLI, CPython's tests stock vs rselect
	scripts/test-windows.sh

.PHONY: wheels
wheels: ## the release wheels this machine builds into dist/: manylinux2014 + musllinux_1_2 (x86_64, aarch64) and win_amd64 for CPython 3.10-3.15, and the sdist
	scripts/build-wheels.sh

.PHONY: test-wheels
test-wheels: ## check dist/'s release set (after `make wheels`): files, metadata, auditwheel, DLLs, twine; run under wine, qemu-user, in musl CPythons built here, musl's loader
	scripts/check-wheels.sh

# In `make test`, within CI's 60 minutes: `setup` built the x86_64 glibc
# wheels of every interpreter; the other platforms are built and checked for
# the oldest and the newest CPython (about 3 minutes instead of 6.5;
# docs/release.md). `make wheels test-wheels` builds and checks all 30.
TEST_WHEEL_VERSIONS = 3.10 3.15
.PHONY: wheels-cross
wheels-cross:
	VERSIONS="$(TEST_WHEEL_VERSIONS)" scripts/build-wheels.sh --sdist \
	  manylinux-aarch64 musllinux-x86_64 musllinux-aarch64 win-amd64

.PHONY: test-wheels-some
test-wheels-some:
	VERSIONS="$(TEST_WHEEL_VERSIONS)" scripts/check-wheels.sh

.PHONY: test-install
test-install: ## the built wheels, `pip install .` and the sdist, each into a fresh venv, then used
	$(need-pythons)
	scripts/check-install.sh

.PHONY: lint
lint: tools ## rustfmt, clippy -D warnings, cargo doc -D warnings, ruff, shellcheck + actionlint
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
	.venv/bin/ruff check python tests tests_portable tests_windows tools benches
	.venv/bin/ruff format --check python tests tests_portable tests_windows tools benches
	scripts/lint-shell.sh

# The long reliability runs, on one interpreter (PY).
RELIABILITY = $(addprefix reliability/,test_reliability_signals.py test_reliability_fork.py \
	test_reliability_threads.py test_reliability_threads_witnesses.py \
	test_reliability_threads_interleavings.py test_reliability_threads_regression.py \
	test_reliability_load.py test_reliability_leaks.py test_bad_input_catalogue.py)

.PHONY: fuzz
fuzz: ## long differential fuzzing: 100,000 ops per API vs stock, then the coverage-guided atheris target for FUZZ_SECONDS (300)
	cd tests && RSELECT_LONG=1 RSELECT_PRINT_FIGURES=1 $(PYTHON) -m pytest -q -s -p no:cacheprovider reliability/test_reliability_fuzz.py
	PY=$(PY) fuzz/run.sh $(or $(FUZZ_SECONDS),300)
	.venv/bin/python tools/reliability_report.py

.PHONY: stress
stress: ## long signal storms, fork, 8-thread hammering, load, leak hunting, -X dev run; figures into docs/reliability.md
	cd tests && RSELECT_LONG=1 HYPOTHESIS_PROFILE=ci RSELECT_PRINT_FIGURES=1 \
	  $(PYTHON) -m pytest -q -s -p no:cacheprovider $(RELIABILITY)
	.venv/bin/python tools/reliability_report.py

.PHONY: memcheck
memcheck: ## the core crate's tests under valgrind memcheck (installs valgrind)
	scripts/memcheck.sh

.PHONY: bench
bench: ## python -m rselect bench: every scenario, stock vs rselect vs floor; FILTER=substring
	mkdir -p results
	$(PYTHON) -m rselect bench $(if $(FILTER),--filter $(FILTER)) --json results/bench.json

.PHONY: bench-plot
bench-plot: ## the full bench plus its scaling plot (installs the plot extra: matplotlib)
	$(PYTHON) -m pip install -q "matplotlib>=3.7"
	mkdir -p results
	$(PYTHON) -m rselect bench --json results/bench.json --plot docs/bench.png

.PHONY: bench-asyncio
bench-asyncio: ## asyncio echo server CPU and instructions per request: stock, rselect, uvloop (if pip can install it)
	$(PYTHON) -m pip install -q uvloop || echo "bench-asyncio: uvloop not installable here, skipped"
	$(PYTHON) benches/asyncio_server.py
	scripts/install-tools.sh valgrind
	$(PYTHON) benches/asyncio_server.py --instructions

.PHONY: bench-pyperf
bench-pyperf: ## the same scenarios under pyperf; FILTER=substring
	mkdir -p results
	$(PYTHON) benches/bench.py --fast $(if $(FILTER),--filter $(FILTER)) -o results/pyperf.json

.PHONY: bench-instructions
bench-instructions: ## callgrind instructions per call, stock vs rselect (installs valgrind); FILTER=substring
	scripts/install-tools.sh valgrind
	$(PYTHON) benches/instructions.py $(if $(FILTER),--filter $(FILTER))

# The instruction budget: callgrind counts of the bench rows with 1, 10 and
# 1,000 descriptors against benches/instructions-baseline.json, on the
# interpreter that file names (BUDGET_PY).
.PHONY: test-instructions
test-instructions: ## fail when a scenario's instructions rise 2% over the baseline or above stock's (installs valgrind)
	scripts/install-tools.sh valgrind
	.venvs/$(BUDGET_PY)/bin/python benches/instructions.py --budget --check benches/instructions-baseline.json

.PHONY: instructions-baseline
instructions-baseline: ## re-measure benches/instructions-baseline.json (commit it with the reason)
	scripts/install-tools.sh valgrind
	.venvs/$(BUDGET_PY)/bin/python benches/instructions.py --budget --write benches/instructions-baseline.json

.PHONY: clean
clean:
	rm -rf target dist .venv .venvs
