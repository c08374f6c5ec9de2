# Doorstep — `make run` and `make test` work on a fresh clone with only python3.12 and make installed.
SHELL := /bin/bash
PY ?= $(shell command -v python3.12 >/dev/null 2>&1 && python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null || ls -d $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | tail -1)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
NODE_STAMP := node_modules/.installed

.PHONY: run test lint typecheck contracts unit bench demo demo-roads clean

$(STAMP): pyproject.toml
	@test -n "$(PY)" || { echo "python3.12 not found: install Python 3.12 (pyenv install 3.12) and retry"; exit 2; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev,bench]"
	@touch $(BENCH_STAMP)

## run: plan the demo day (summary + demo-out/), then serve the platform with the demo organization
run: $(STAMP)
	$(BIN)/doorstep demo --out demo-out
	$(BIN)/doorstep serve --demo

## demo: plan the demo day and write its outputs to demo-out/ (no server)
demo: $(STAMP)
	$(BIN)/doorstep demo --out demo-out

## demo-roads: build a road network from ../shared/osm/monaco.osm.pbf and plan a demo day on its roads
demo-roads: $(STAMP)
	$(BIN)/doorstep network build ../shared/osm/monaco.osm.pbf --out .networks/monaco-car
	$(BIN)/doorstep demo --network .networks/monaco-car --orders 150 --time-limit 10 --out demo-roads-out

## test: lint, type-check, import contracts, then the test suite
test: lint typecheck contracts unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

# axe-core (npm) for the accessibility checks of the browser tests; without npm those checks are skipped
$(NODE_STAMP): package.json
	@if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent && touch $(NODE_STAMP); \
	else echo "npm not found: the accessibility checks (axe-core) will be skipped"; fi

unit: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest -q -n 2 --durations=25

## bench: the optimizer benchmarks (slow; see docs/benchmarks.md)
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run_vrp.py --help

clean:
	rm -rf $(VENV) demo-out demo-roads-out .networks .mypy_cache .ruff_cache .pytest_cache
