# `make test` and `make bench-*` work on a fresh machine: they create .venv and install.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-test
BENCH  := $(VENV)/.installed-bench
ANCESTOR := benchmarks/.ancestor-venv/.installed

.PHONY: install test lint format bench-query bench-copy bench-copy-cli clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(PY) -m pytest

$(BENCH): $(STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	cd benchmarks && npm install --no-audit --no-fund --silent
	touch $@

bench-query: $(BENCH)
	$(PY) benchmarks/query_dataframe.py

# the ancestor CLI, measured beside dynamo_magic (it installs no boto3 of its own)
$(ANCESTOR):
	$(PYTHON) -m venv benchmarks/.ancestor-venv
	benchmarks/.ancestor-venv/bin/pip install -q dynamo-cmdline==0.0.1 pathos boto3
	touch $@

bench-copy: $(BENCH) $(ANCESTOR)
	$(PY) benchmarks/copy_throughput.py

# `dynamo copy` timed as a user times it (whole process) against a bare parallel copy
bench-copy-cli: $(BENCH)
	$(PY) benchmarks/copy_cli.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
