# One task runner for people and CI. `make run` serves Amity; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PORT ?= 8000

.PHONY: run test lint format bench-help clean

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed clients/python/pyproject.toml
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	$(VENV)/bin/python -m pip install -q -e clients/python
	touch $@

## run: first run creates ./amity.db with an admin, demo data and a token; then serves the API
run: $(VENV)/.installed
	$(VENV)/bin/amity quickstart --port $(PORT)
	$(VENV)/bin/amity serve --port $(PORT)

## test: the whole suite (SQLite; set AMITY_TEST_DATABASE_URL=postgresql://... for PostgreSQL)
test: $(VENV)/.installed-test
	@# bytecode up front: the tests start many amity processes, even where
	@# PYTHONDONTWRITEBYTECODE keeps Python from caching it on import
	$(VENV)/bin/python -m compileall -q amity clients/python/amity_client >/dev/null
	$(VENV)/bin/python -m pytest -n 2

## lint: ruff format (the formatter: `make format` applies it), ruff check and mypy
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff format --check amity tests bench clients/python
	$(VENV)/bin/ruff check amity tests bench clients/python
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict clients/python/amity_client clients/python/tests

## format: reformat the code with ruff format
format: $(VENV)/.installed-test
	$(VENV)/bin/ruff format amity tests bench clients/python

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
