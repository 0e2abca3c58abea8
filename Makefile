# mockupAWS - developer commands. Everything runs from a virtualenv kept in .venv (git-ignored), made
# with Python 3.12: the Lambda runtime of template.yaml.
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 3000
HOST   ?= 127.0.0.1
export SAM_CLI_TELEMETRY := 0

# Python 3.12 (the Lambda runtime) for the virtualenv and `sam build`: through pyenv, else on PATH.
PY312_DIR := $(shell p="$$(pyenv prefix "$$(pyenv latest 3.12 2>/dev/null)" 2>/dev/null)"; \
	if [ -x "$$p/bin/python3.12" ]; then echo "$$p/bin"; else dirname "$$(command -v python3.12 || echo /nonexistent/python3.12)"; fi)
PYTHON ?= $(PY312_DIR)/python3.12

.PHONY: help install dev migrate prices test unit integration e2e lint lint-js format typecheck openapi openapi-check validate build bench clean

help:
	@echo "make dev        run the API on http://$(HOST):$(PORT) (embedded PostgreSQL unless DATABASE_URL is set)"
	@echo "make test       lint, type-check, OpenAPI drift check and every test (unit, integration, e2e)"
	@echo "make migrate    apply migrations to DATABASE_URL (e.g. for sam local start-api)"
	@echo "make prices     rebuild the price catalogue from the AWS Price List API (needs AWS credentials)"
	@echo "make validate   sam validate --lint"
	@echo "make build      sam build (needs python3.12)"
	@echo "make bench      run the benchmarks in bench/"

$(VENV)/.installed: requirements-dev.txt layers/shared/requirements.txt pyproject.toml
	@"$(PYTHON)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null || { \
		echo "error: make install needs Python 3.12 (the Lambda runtime), found none: 'pyenv install 3.12'" \
		     "or put python3.12 on PATH (or pass PYTHON=/path/to/python3.12)" >&2; exit 1; }
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then \
		echo "$(VENV) is not Python 3.12: recreating it"; rm -rf $(VENV); fi
	"$(PYTHON)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

dev: install
	$(BIN)/python -m mockupaws_local --port $(PORT) --host $(HOST)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The web console's JavaScript (no build step; ESLint is the only Node.js tool, from package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

lint-js: node_modules/.package-lock.json
	npm run --silent lint

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy layers/shared/mockupaws functions mockupaws_local mockupaws_testkit bench tests

openapi: install
	$(BIN)/python -m mockupaws_local.openapi --write

openapi-check: install
	$(BIN)/python -m mockupaws_local.openapi --check

# Coverage: measured over the layer, the handlers and the local server (pyproject.toml, [tool.coverage]);
# `make test` fails under COVERAGE_MIN percent of lines (92% measured when it was set; see README).
COVERAGE_MIN ?= 88

test: lint lint-js typecheck openapi-check
	$(BIN)/pytest --cov --cov-report=term --cov-fail-under=$(COVERAGE_MIN)

unit: install
	$(BIN)/pytest tests/unit

integration: install
	$(BIN)/pytest tests/integration

e2e: install
	$(BIN)/pytest tests/e2e

migrate: install
	$(BIN)/python -m mockupaws.store.migrations

prices: install
	$(BIN)/python -m mockupaws.pricing.refresh $(ARGS)

validate: install
	$(BIN)/sam validate --lint

build: install
	PATH="$(PY312_DIR):$$PATH" $(BIN)/sam build

bench: install
	$(BIN)/python bench/coldstart.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/metrics.py
	$(BIN)/python bench/load.py

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
