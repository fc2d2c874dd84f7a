# Ovoz: `make help` lists what each target does.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
OVOZ := $(BIN)/ovoz

.PHONY: help run test lint typecheck check-migrations catalogs catalogs-update openapi pytest clean

help: ## Show the targets and what they do
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Ovoz needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed ## Set up and start Ovoz with demo data on SQLite under ./var (OVOZ_PORT, default 8000)
	$(OVOZ) catalogs compile > /dev/null
	$(OVOZ) migrate --no-input -v 0
	$(OVOZ) demo
	$(OVOZ) serve --port $${OVOZ_PORT:-8000}

test: $(VENV)/.installed-dev lint typecheck check-migrations catalogs pytest ## Install dev tools and run every check and the tests (PostgreSQL with OVOZ_TEST_DATABASE_URL)

lint: $(VENV)/.installed-dev ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev ## mypy (strict for ovoz/)
	$(BIN)/mypy ovoz

check-migrations: $(VENV)/.installed-dev ## Fail when models changed without a migration
	$(OVOZ) makemigrations --check --dry-run

catalogs: $(VENV)/.installed-dev ## Fail when a translation is missing or a catalog does not compile; then compile
	$(OVOZ) catalogs check
	$(OVOZ) catalogs compile > /dev/null

catalogs-update: $(VENV)/.installed ## Add new source strings to every catalog under locale/
	$(OVOZ) catalogs update

openapi: $(VENV)/.installed ## Write the API's OpenAPI document to docs/openapi.json (the tests compare it)
	$(OVOZ) openapi > docs/openapi.json

pytest: $(VENV)/.installed-dev ## Only the tests
	$(BIN)/pytest $(PYTEST_ARGS)

clean: ## Remove the virtualenv and caches (keeps ./var, your local data)
	rm -rf $(VENV) .mypy_cache .ruff_cache build *.egg-info
