# rselect: `make help` lists the targets.
SHELL := /bin/bash
PYTHONS = $(shell awk '{print $$2}' .venvs/pythons.txt 2>/dev/null)
VERSIONS ?= 3.10 3.11 3.12 3.13 3.14 3.15
# The one interpreter of the single-interpreter targets (bench*, fuzz, stress).
PY ?= 3.11

.PHONY: help
help: ## this list
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-18s %s\n", $$1, $$2}'

.PHONY: setup
setup: ## build rselect and install it into .venvs/X.Y for every interpreter in VERSIONS
	scripts/setup.sh $(VERSIONS)

.PHONY: demo
demo: ## build, show facilities and limits, compare with stock: select() and an asyncio program
	scripts/setup.sh 3.11
	.venvs/3.11/bin/python -m rselect info
	.venvs/3.11/bin/python -m rselect bench --quick
	.venvs/3.11/bin/python benches/echo.py --compare

.PHONY: test
# test-portable (which makes the test builds in target/testing) comes before
# test-python: the bad input catalogue checks devpoll/kqueue/kevent on them.
test: setup test-rust lint check-targets typecheck test-portable test-python conformance test-install test-instructions test-windows ## everything CI runs
	@echo "make test: all green"

.PHONY: test-rust
test-rust: ## cargo tests of the core crate (the binding is tested from Python)
	cargo test -p rselect-core --quiet

.PHONY: check-targets
check-targets: ## cargo check + clippy -D warnings for macOS, FreeBSD, NetBSD, illumos, Windows (installs rustup targets) and free-threaded 3.14t/3.15t
	scripts/check-targets.sh
	scripts/check-freethreaded.sh

.PHONY: test-portable
test-portable: ## kqueue/kevent/devpoll logic on Linux: a test build (--features testing) per interpreter, tests_portable/
	scripts/build-testing.sh
	@set -e; while read -r v py; do \
	  echo "== tests_portable on $$v"; \
	  PYTHONPATH=$(CURDIR)/target/testing/$$v $$py -m pytest -q -p no:cacheprovider tests_portable; \
	done < .venvs/pythons.txt

.PHONY: test-python
test-python: ## pytest (differential + behaviour) on every installed interpreter
	@set -e; for py in $(PYTHONS); do \
	  echo "== pytest on $$($$py -c 'import sys; print(sys.version.split()[0])')"; \
	  (cd tests && $$py -m pytest -q -p no:cacheprovider .); \
	done

.PHONY: typecheck
typecheck: ## stubs vs the built module (mypy.stubtest) and mypy --strict over a usage file, per interpreter and for linux/darwin/freebsd/sunos5/win32
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
	.venv/bin/python tools/conformance.py --asyncio-everywhere $(addprefix --python ,$(PYTHONS))

.PHONY: test-windows
test-windows: ## the Windows build under wine, python.org's CPython 3.10-3.13: core tests, tests_windows/, CLI, CPython's tests stock vs rselect
	scripts/test-windows.sh

.PHONY: test-install
test-install: ## the built wheels, `pip install .` and the sdist, each into a fresh venv, then used
	scripts/check-install.sh

.PHONY: lint
lint: ## rustfmt, clippy -D warnings, cargo doc -D warnings, ruff
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
	.venv/bin/ruff check python tests tests_portable tests_windows tools benches
	.venv/bin/ruff format --check python tests tests_portable tests_windows tools benches

# The long reliability runs, on one interpreter: PY=3.11 by default.
RELIABILITY = test_reliability_signals.py test_reliability_fork.py test_reliability_threads.py \
	test_reliability_load.py test_reliability_leaks.py test_bad_input_catalogue.py

.PHONY: fuzz
fuzz: ## long differential fuzzing: 100,000 ops per API vs stock, then the coverage-guided atheris target for FUZZ_SECONDS (300)
	cd tests && RSELECT_LONG=1 RSELECT_PRINT_FIGURES=1 ../.venvs/$(PY)/bin/python -m pytest -q -s -p no:cacheprovider test_reliability_fuzz.py
	fuzz/run.sh $(or $(FUZZ_SECONDS),300)
	.venv/bin/python tools/reliability_report.py

.PHONY: stress
stress: ## long signal storms, fork, 8-thread hammering, load, leak hunting, -X dev run; figures into docs/reliability.md
	cd tests && RSELECT_LONG=1 HYPOTHESIS_PROFILE=ci RSELECT_PRINT_FIGURES=1 \
	  ../.venvs/$(PY)/bin/python -m pytest -q -s -p no:cacheprovider $(RELIABILITY)
	.venv/bin/python tools/reliability_report.py

.PHONY: memcheck
memcheck: ## the core crate's tests under valgrind memcheck (installs valgrind)
	scripts/memcheck.sh

.PHONY: bench
bench: ## python -m rselect bench: every scenario, stock vs rselect vs floor; FILTER=substring
	mkdir -p results
	.venvs/$(PY)/bin/python -m rselect bench $(if $(FILTER),--filter $(FILTER)) --json results/bench.json

.PHONY: bench-plot
bench-plot: ## the full bench plus its scaling plot (installs the plot extra: matplotlib)
	.venvs/$(PY)/bin/pip install -q "matplotlib>=3.7"
	mkdir -p results
	.venvs/$(PY)/bin/python -m rselect bench --json results/bench.json --plot docs/bench.png

.PHONY: bench-asyncio
bench-asyncio: ## asyncio echo server CPU and instructions per request: stock, rselect, uvloop (if pip can install it)
	.venvs/$(PY)/bin/python -m pip install -q uvloop || echo "bench-asyncio: uvloop not installable here, skipped"
	.venvs/$(PY)/bin/python benches/asyncio_server.py
	scripts/install-tools.sh valgrind
	.venvs/$(PY)/bin/python benches/asyncio_server.py --instructions

.PHONY: bench-pyperf
bench-pyperf: ## the same scenarios under pyperf; FILTER=substring
	mkdir -p results
	.venvs/$(PY)/bin/python benches/bench.py --fast $(if $(FILTER),--filter $(FILTER)) -o results/pyperf.json

.PHONY: bench-instructions
bench-instructions: ## callgrind instructions per call, stock vs rselect (installs valgrind); FILTER=substring
	scripts/install-tools.sh valgrind
	.venvs/$(PY)/bin/python benches/instructions.py $(if $(FILTER),--filter $(FILTER))

# The instruction budget: callgrind counts of the bench rows with 1, 10 and
# 1,000 descriptors against benches/instructions-baseline.json, made on the
# interpreter that file names (3.11: .venvs/3.11).
.PHONY: test-instructions
test-instructions: ## fail when a scenario's instructions rise 2% over the baseline or above stock's (installs valgrind)
	scripts/install-tools.sh valgrind
	.venvs/3.11/bin/python benches/instructions.py --budget --check benches/instructions-baseline.json

.PHONY: instructions-baseline
instructions-baseline: ## re-measure benches/instructions-baseline.json (commit it with the reason)
	scripts/install-tools.sh valgrind
	.venvs/3.11/bin/python benches/instructions.py --budget --write benches/instructions-baseline.json

.PHONY: clean
clean:
	rm -rf target dist .venv .venvs
