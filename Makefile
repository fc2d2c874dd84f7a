# Ovoz: `make help` lists what each target does.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first of these that is Python 3.11 to 3.13 (Debian 12 ships 3.11, Ubuntu 24.04 3.12, Debian 13 3.13).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p > /dev/null && $$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2> /dev/null \
	&& { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
OVOZ := $(BIN)/ovoz

.PHONY: help run test lint typecheck check-migrations catalogs catalogs-check catalogs-compile catalogs-update openapi pytest pytest-fault prod-check clean

help: ## Show the targets and what they do
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-18s %s\n", $$1, $$2}'

# UV=/path/to/uv installs the same packages with uv instead of pip, several times faster (CI does).
UV ?=
PIP_INSTALL = $(if $(UV),$(UV) pip install --quiet --python $(BIN)/python,$(BIN)/python -m pip install --quiet)

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Ovoz needs Python 3.11, 3.12 or 3.13 on the path; set PYTHON=/path/to/python3"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else "Ovoz needs Python 3.11, 3.12 or 3.13; set PYTHON=/path/to/python3")'
	$(PYTHON) -m venv $(VENV)
	$(if $(UV),,$(BIN)/python -m pip install --quiet --upgrade pip)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP_INSTALL) -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(PIP_INSTALL) -e '.[dev,production]'
	@touch $@ $(VENV)/.installed

# The dev install includes the production extra (gunicorn, Redis, RQ) since the tests use them too.
$(VENV)/.installed-production: $(VENV)/.installed-dev
	@touch $@

run: $(VENV)/.installed ## Set up and start Ovoz with demo data on SQLite under ./var (OVOZ_PORT, default 8000)
	$(OVOZ) catalogs compile > /dev/null
	$(OVOZ) migrate --no-input -v 0
	$(OVOZ) demo
	$(OVOZ) serve --port $${OVOZ_PORT:-8000}

test: $(VENV)/.installed-dev catalogs-compile ## Install dev tools and run every check and the tests (PostgreSQL with OVOZ_TEST_DATABASE_URL)
	@# The catalogs are compiled first (the tests read them); the other checks, the catalogs' own
	@# included, run beside the tests, each one's output shown whole when it ends.
	$(MAKE) --no-print-directory -j4 --output-sync=target catalogs-check lint typecheck check-migrations pytest

lint: $(VENV)/.installed-dev ## ruff lint and format check, and the layers between apps (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev ## mypy (strict for ovoz/)
	$(BIN)/mypy ovoz

check-migrations: $(VENV)/.installed-dev ## Fail when models changed without a migration
	$(OVOZ) makemigrations --check --dry-run

catalogs: catalogs-check catalogs-compile ## Fail when a translation is missing or a catalog does not compile; then compile

catalogs-check: $(VENV)/.installed-dev
	$(OVOZ) catalogs check

catalogs-compile: $(VENV)/.installed-dev
	$(OVOZ) catalogs compile > /dev/null

catalogs-update: $(VENV)/.installed ## Add new source strings to every catalog under ovoz/locale/
	$(OVOZ) catalogs update

openapi: $(VENV)/.installed ## Write the API's OpenAPI document to docs/openapi.json (the tests compare it)
	$(OVOZ) openapi > docs/openapi.json

# Test processes: one per core by default (each gets its own SQLite file or PostgreSQL database);
# tests of one file stay in one process, so data a module builds once is built once; the longest
# files go first (ovoz/testing/schedule.py).
PYTEST_WORKERS ?= auto

pytest: $(VENV)/.installed-dev ## Only the tests, in parallel (PYTEST_WORKERS=N, PYTEST_ARGS="-m 'not slow'" for the fast suite)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15 $(PYTEST_ARGS)

pytest-fault: $(VENV)/.installed-dev ## The fault tests, one at a time: they restart PostgreSQL (OVOZ_TEST_DATABASE_URL) and kill workers
	OVOZ_FAULT_TESTS=1 $(BIN)/pytest -p no:xdist -m fault $(PYTEST_ARGS)

# Needs nginx (apt-get install nginx-light libnginx-mod-http-brotli-static), redis-server, openssl and curl.
# Ovoz runs from a wheel built from the checkout, as on a server; PRODCHECK_ARGS= runs it from the checkout.
PRODCHECK_ARGS ?= --wheel

prod-check: $(VENV)/.installed-production ## Start the production shape of deploy/ (nginx, 2 gunicorn, RQ worker, scheduler) from the wheel on this machine, test it through HTTPS, stop it
	$(BIN)/python deploy/prodcheck.py $(PRODCHECK_ARGS)

clean: ## Remove the virtualenv and caches (keeps ./var, your local data)
	rm -rf $(VENV) .venv-3.* .ci/.uv .mypy_cache .ruff_cache build *.egg-info
