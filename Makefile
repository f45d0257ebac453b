# Two commands on a fresh clone: `make run` (the demo) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install run test lint format migrate bench screenshots clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11).")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --constraint constraints.txt --editable '.[test]'
	@touch $@

install: $(VENV)/.installed

# The demo: migrate, seed real missions, then web server, Celery worker and beat in one
# terminal (Ctrl-C stops all three). DATABASE_URL / REDIS_URL, when set, are used instead.
run: export DEBUG := $(or $(DEBUG),true)
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/honcho --procfile Procfile.dev start

# The whole suite: SQLite by default, PostgreSQL when DATABASE_URL is set.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run --settings=tests.settings

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Timings at realistic scale, on PostgreSQL (DATABASE_URL, else the local server's "bench"
# database), production settings without TLS. Results: var/bench/results.json.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/exitplan_bench
bench: install
	-psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'exitplan_bench'" | grep -q 1 || createdb -h 127.0.0.1 -U postgres exitplan_bench
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} SECRET_KEY=bench-only-$$(date +%s)-not-secret-at-all-xxxxxxxxxxxxxxxxxxxxxxxx \
	  ALLOWED_HOSTS=127.0.0.1,testserver API_ANON_RATE=off API_USER_RATE=off PUBLIC_FORM_RATE=off SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0 \
	  sh -c '$(PY) manage.py migrate --no-input -v0 && $(PY) manage.py collectstatic --no-input -v0 && $(PY) -m bench'

# PNGs of the main pages at 1280 and 375 px in var/screenshots/ (not committed): the demo is
# seeded into a temporary test database, served, and photographed by Debian's chromium.
screenshots: install
	$(PY) -m pytest tests/browser/screenshots.py -p no:cacheprovider -q

migrate: install
	$(PY) manage.py migrate

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
