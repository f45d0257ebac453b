# Two commands on a fresh clone: `make run` (the demo) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install run test lint format migrate bench bench-quick screenshots messages clean

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

# Timings at realistic scale, on PostgreSQL (DATABASE_URL, else the local server's
# exitplan_bench database, created when missing), production settings without TLS and with
# throttling lifted. Seeds the data set once (manage.py seed_scale), then measures in process
# and under load (gunicorn + wrk: Debian's wrk package). Results: var/bench/results.json.
# bench-quick: the same at a small scale with few runs (CI), in its own database.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/exitplan_bench
BENCH_QUICK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/exitplan_bench_quick
# Production's cache is Redis (sessions' reads, throttles, counters): so is the bench's.
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/9
BENCH_ENV = REDIS_URL=$${REDIS_URL:-$(BENCH_REDIS_URL)} DEBUG=false SECRET_KEY=bench-only-$$(date +%s)-not-secret-at-all-xxxxxxxxxxxxxxxxxxxxxxxx \
  ALLOWED_HOSTS=127.0.0.1,testserver API_ANON_RATE=off API_USER_RATE=off PUBLIC_FORM_RATE=off \
  SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0
# $(1): the database URL, $(2): the seed's scale, $(3): options of python -m bench.
bench_steps = DATABASE_URL=$(1) $(BENCH_ENV) sh -c '$(PY) -m bench.createdb && \
  $(PY) manage.py migrate --no-input -v0 && $(PY) manage.py seed_scale --scale $(2) && \
  $(PY) manage.py collectstatic --no-input -v0 && $(PY) -m bench $(3)'
# BENCH_ARGS: more options of python -m bench, read from the environment (so quotes work),
# e.g. BENCH_ARGS="--only plan --only 'missions list' --no-load".
export BENCH_ARGS
bench: install
	$(call bench_steps,$${DATABASE_URL:-$(BENCH_DATABASE_URL)},full,)
bench-quick: install
	$(call bench_steps,$(BENCH_QUICK_DATABASE_URL),quick,--runs 3 --import-runs 1 --duration 2 --output var/bench/results-quick.json)

# PNGs of the main pages at 1280 and 375 px in var/screenshots/ (not committed): the demo is
# seeded into a temporary test database, served, and photographed by Debian's chromium.
screenshots: install
	$(PY) -m pytest tests/browser/screenshots.py -p no:cacheprovider -q

# Translations: extract every marked string into locale/{fr,ar}/LC_MESSAGES/django.po
# (needs gettext's xgettext and msgmerge), then compile the committed .mo files with Babel.
# Translate the new or changed entries, then run it again; tests/i18n checks both steps.
MESSAGE_LANGUAGES := fr ar
messages: install
	$(PY) manage.py makemessages $(foreach l,$(MESSAGE_LANGUAGES),-l $(l)) --no-location --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=docs --settings=tests.settings
	$(VENV)/bin/pybabel compile --domain=django --directory=locale --statistics

migrate: install
	$(PY) manage.py migrate

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
