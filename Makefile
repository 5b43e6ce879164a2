# The two commands a newcomer needs are `make run` and `make test`; the rest is here too.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format clean bench bench-ingest bench-risk bench-record bench-move lock

# The versions CI tested: every dependency pinned with its hashes in requirements-dev.lock
# (made from pyproject.toml's ranges by `make lock`); the project itself on top, editable.
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## lock: resolve pyproject.toml's ranges again into requirements.lock and requirements-dev.lock
lock:
	test -x $(VENV)/lock/bin/pip-compile || ($(PYTHON) -m venv $(VENV)/lock && $(VENV)/lock/bin/pip install --quiet pip-tools)
	$(VENV)/lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --output-file requirements.lock pyproject.toml
	$(VENV)/lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --extra dev --output-file requirements-dev.lock pyproject.toml

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

## bench-record: the person's record page under 16 clients at 1M and 10M rows (about 25 minutes)
bench-record: $(STAMP)
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(PY) -m portal.devstack exec -- $(PY) -m tests.bench.record_page $(BENCH_ARGS)

## bench-move: moving an employer with 5,000 staff, then 500 transfers end to end, beside posting
bench-move: $(STAMP)
	$(PY) -m portal.devstack exec -- $(PY) -m tests.bench.employer_move $(BENCH_ARGS)

## bench: every benchmark at 1M and 10M rows beside its baseline, written to bench/results/
bench: $(STAMP)
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(PY) -m portal.devstack exec -- $(PY) -m tests.bench.table $(BENCH_ARGS)

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
