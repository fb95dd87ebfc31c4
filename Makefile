# `make demo`, `make test`, `make bench-*` work on a fresh machine: they create .venv, install.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-test
DEMO_STAMP := $(VENV)/.installed-demo
# `make demo DEMO_ARGS="--no-lab --port 8000"`: arguments of `dynamo demo`
DEMO_ARGS ?=
BENCH  := $(VENV)/.installed-bench
ANCESTOR := benchmarks/.ancestor-venv/.installed
# the browser tests (tests/browser) drive JupyterLab with this Chromium (Debian's package)
CHROMIUM ?= /usr/bin/chromium

.PHONY: install demo chromium test lint format cog docs docs-check bench-query bench-copy bench-copy-cli bench-latency bench-limits bench-front-ends clean

# .venv with the package and one extra (test, demo), installed again when pyproject.toml changes
$(VENV)/.installed-%: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$*]'
	touch $@

install: $(STAMP)

.PRECIOUS: $(VENV)/.installed-%  # a stamp is never deleted as an intermediate file

# two local DynamoDB accounts (demo-prod, demo-dev), seeded, and JupyterLab on notebooks/;
# Ctrl-C stops everything
demo: $(DEMO_STAMP)
	$(VENV)/bin/dynamo demo $(DEMO_ARGS)

# Debian's chromium when it is missing (as root, or through passwordless sudo); otherwise a note:
# the browser tests then skip outside CI and fail in CI
chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "make: $(CHROMIUM) is missing and apt-get needs root: browser tests will skip (fail in CI)"; exit 0; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$sudo apt-get install -y -q chromium >/dev/null 2>&1 \
	|| { $$sudo apt-get update -q >/dev/null && $$sudo apt-get install -y -q chromium >/dev/null; }; \
	test -x "$(CHROMIUM)" || { echo "make: chromium installed, but $(CHROMIUM) is missing"; exit 1; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# the Parameters sections of the api's docstrings (and ReadSpec's), written from the options
# table (dynamo_magic/options.py) between cog markers; tests/test_docstrings.py checks them
COGGED := dynamo_magic/api.py dynamo_magic/reading.py
cog: $(STAMP)
	$(VENV)/bin/cog -r $(COGGED)

# the suite on PYTEST_WORKERS processes (pytest-xdist); a file's tests stay on one worker, so
# its module fixtures (servers, kernels, a demo) start once. `make test PYTEST_WORKERS=0`: serial
PYTEST_WORKERS ?= 2
test: lint chromium docs-check
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

# the documentation site, warnings as errors (a broken reference fails), notebooks executed
# against a demo started for the build: open docs/_build/html/index.html
DOCS_STAMP := $(VENV)/.installed-docs
SPHINX := $(PY) -m sphinx -W -n --keep-going -b html
docs: $(DOCS_STAMP)
	$(SPHINX) docs docs/_build/html

# what `make test` builds: the same pages and references without running the notebooks again
# (tests/test_notebooks.py runs them in a real kernel against fresh servers)
docs-check: $(DOCS_STAMP)
	DYNAMO_MAGIC_DOCS_EXECUTE=0 $(SPHINX) -q -E docs docs/_build/check

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

# `dynamo copy` under 0/10/20 ms per request (a delaying proxy before dynalite, and a stub
# endpoint) against the best bare parallel copy; `make bench-latency LATENCY_ARGS=--quick`: a few
# minutes (20,000 items, 20 ms)
LATENCY_ARGS ?=
bench-latency: $(BENCH)
	$(PY) benchmarks/copy_latency.py $(LATENCY_ARGS)

# --max-write-units 200 behind the delaying proxy (20 ms) before two dynalite servers, for 1, 4
# and 16 workers: achieved / asked write units per second (goal 0.9-1.0)
LIMITS_ARGS ?=
bench-limits: $(BENCH)
	$(PY) benchmarks/copy_limits.py $(LIMITS_ARGS)

# a partition through the API, the magic and the query panel, as the user waits for each
bench-front-ends: $(BENCH)
	$(PY) benchmarks/front_ends.py

# a whole table exported to files (gzipped DynamoDB JSON + manifests) against its copy, same table
.PHONY: bench-export
bench-export: $(BENCH)
	$(PY) benchmarks/export_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache docs/_build
