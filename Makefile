# Parley. `make run` serves the demo; `make test` runs the tests.
# PYTHON may name any Python 3.12+; by default the newest one on PATH is used, else
# the newest installed with pyenv (active or not) or uv (scripts/find-python).

PYTHON ?= $(shell scripts/find-python)
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/parley

# Development defaults; production sets DEBUG=false, SECRET_KEY and ALLOWED_HOSTS.
export DEBUG ?= true

.PHONY: run test install check-python lint format migrate demo worker beat clean loadtest faults-postgres bench

check-python:
	@if [ -z "$(PYTHON)" ] || ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
		echo "Parley needs Python 3.12 or newer (Django 6 does)."; \
		echo "Found: $$($(or $(PYTHON),python3) --version 2>&1). Run again with PYTHON=/path/to/python3.12-or-newer,"; \
		echo "e.g. make run PYTHON=\$$(PYENV_VERSION=3.13.0 pyenv which python3.13)"; \
		exit 1; \
	fi

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: check-python $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	@echo "Parley on http://127.0.0.1:8000/ (editors: $(BIN)/python manage.py createsuperuser)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Tests use PostgreSQL when DATABASE_URL says so or when one answers on
# 127.0.0.1:5432, SQLite otherwise. Extra pytest arguments: make test ARGS="-k dates".
test: install
	@url="$${DATABASE_URL:-$$($(BIN)/python -c 'import socket; socket.create_connection(("127.0.0.1", 5432), 1)' >/dev/null 2>&1 && echo $(PG_URL))}"; \
	echo "Testing on $${url:-SQLite}"; \
	DATABASE_URL="$$url" $(BIN)/python -m pytest $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks on PostgreSQL: creates and fills parley_bench_100k and parley_bench_1m
# (and parley_bench_1m_dense) on first use, then writes the tables into BENCHMARKS.md.
# wrk comes from Debian. Extra arguments: make bench ARGS="--scales 100k --quick".
bench: install
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	BENCH_PG="$${BENCH_PG:-postgres://postgres@127.0.0.1:5432}" $(BIN)/python bench/run.py $(ARGS)

worker: install
	$(BIN)/celery -A config worker --loglevel=info

beat: install
	$(BIN)/celery -A config beat --loglevel=info --schedule $(VENV)/celerybeat-schedule

# Reliability (README, "Reliability"): gunicorn and a Celery worker under mixed load on a
# scratch database; they start PostgreSQL and Redis if down. CI runs the short variants:
# make loadtest DURATION=20; make faults-postgres DURATION=30.
loadtest: DURATION ?= 120
loadtest: install
	$(BIN)/python scripts/loadtest.py --duration $(DURATION)

# The same on a PostgreSQL cluster of its own (port 5433, created if missing), restarted mid-run.
faults-postgres: DURATION ?= 60
faults-postgres: install
	$(BIN)/python scripts/loadtest.py --restart-postgres --duration $(DURATION)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .hypothesis
