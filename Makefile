# Tandem — `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint migrate seed backup restore bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.run-deps

migrate: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	exec $(BIN)/python -m config.devstack --port $(PORT)

# An archive of the database (and the embedded broker) in var/backups/ (README: Backup and restore).
backup: $(VENV)/.run-deps
	$(BIN)/python manage.py backup

# Refuses a database that holds data; FORCE=1 replaces it.
restore: $(VENV)/.run-deps
	$(BIN)/python manage.py restore "$(FILE)" $(if $(FORCE),--force)

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The speed benchmark (bench/run.py; needs wrk for the load run: apt-get install wrk, and
# Chromium for the browser figures: apt-get install chromium, with Playwright from the test
# dependencies). About ten minutes at full size; BENCH_ACCOUNTS=100 BENCH_LOAD_SECONDS=10
# for a quick look.
bench: $(VENV)/.test-deps
	$(BIN)/python -m bench.run

# ruff, then the apps' layering contract in pyproject.toml ([tool.importlinter]).
lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
