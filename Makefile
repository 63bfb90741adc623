# SafePath — every target carries a `##` comment; `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	@touch $@

setup: $(VENV)/.installed ## Create .venv, install the locked dependencies, compile translations
	@$(PY) -m safepath.reports.catalogs compile
	@$(PY) -m safepath.analytics.vendor

run: setup ## Migrate, load demo data, then serve SafePath with its worker on HOST:PORT
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo > /dev/null
	$(PY) -m safepath.run --migrate=no --banner

test: setup lint ## Run the linters and the whole test suite
	$(PY) -m pytest

lint: setup ## Check formatting, lint rules, types and the layering between apps
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy safepath bench
	$(VENV)/bin/lint-imports

check: setup lint ## The inner loop: linters and every test except those that start real processes
	$(PY) -m pytest -m "not browser and not process"

format: setup ## Rewrite the code in the house format and fix what ruff can
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup ## Run the benchmarks under bench/ and print their results (long: see docs)
	$(PY) bench/run.py

bench-quick: setup ## The same benchmarks scaled down to a few minutes (indicative numbers)
	BENCH_QUICK=1 $(PY) bench/run.py

lock: ## Re-pin requirements.lock from pyproject.toml (needs uv on PATH)
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) db.sqlite3 .mypy_cache .pytest_cache .ruff_cache

.PHONY: help setup run test check lint format bench bench-quick lock clean
