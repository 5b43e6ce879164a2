# The two commands a newcomer needs are `make run` and `make test`; the rest is here too.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format clean bench bench-ingest bench-risk

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: the portal with a Celery worker and beat on http://127.0.0.1:8000 (Ctrl-C stops all)
run: $(STAMP)
	$(PY) -m portal.devstack run

## test: the whole suite against real PostgreSQL and Redis (embedded when none is configured)
test: $(STAMP)
	$(PY) -m portal.devstack test $(PYTEST_ARGS)

## bench-ingest: 1M contribution rows through the HTTP API against raw COPY (minutes)
bench-ingest: $(STAMP)
	$(PY) -m portal.devstack exec -- $(PY) -m tests.bench.ingest

## bench-risk: a full screening run over 10M rows with planted anomalies (about 10 minutes)
bench-risk: $(STAMP)
	$(PY) -m portal.devstack exec -- $(PY) -m tests.bench.risk $(BENCH_ARGS)

bench: bench-ingest bench-risk

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	PORTAL_ENVIRONMENT=test $(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf var/pg var/redis var/static
