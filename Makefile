# Everything runs from .venv, created and (re)installed on demand: only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install run test lint format openapi bench

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev,bench]'
	@touch $@

install: $(STAMP) ## Create .venv and install the project with its test, dev and bench extras

run: $(STAMP) ## Serve the API on HOST:PORT (default 127.0.0.1:8000), embedded PostgreSQL unless DATABASE_URL
	$(BIN)/timeline run

test: $(STAMP) ## Run the whole test suite (embedded PostgreSQL unless DATABASE_URL)
	$(BIN)/pytest

lint: $(STAMP) ## ruff check, ruff format --check, mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict api schema

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: $(STAMP) ## Write schema/openapi.json from the app
	$(BIN)/timeline openapi --output schema/openapi.json

# make bench options (see BENCHMARKS.md), e.g. `make bench EVENTS=50000 CLAIMS=150000 ACTORS=2000 DURATION=5s`.
WORKERS ?= 1
CONNECTIONS ?= 32
DURATION ?= 10s
EVENTS ?= 1000000
CLAIMS ?= 3000000
ACTORS ?= 20000
SEED ?= 1
BENCH_ARGS ?=
WRK_HELP := wrk is needed: apt-get install wrk (Debian/Ubuntu) or brew install wrk (macOS)

bench: $(STAMP) ## Load benchmark on a synthetic corpus (needs wrk: apt-get install wrk / brew install wrk)
	@command -v wrk >/dev/null 2>&1 || { echo "$(WRK_HELP)" >&2; exit 1; }
	$(BIN)/python -m bench --workers $(WORKERS) --connections $(CONNECTIONS) --duration $(DURATION) \
		--events $(EVENTS) --claims $(CLAIMS) --actors $(ACTORS) --seed $(SEED) $(BENCH_ARGS)
