# The README's commands: `make run` and `make test`.
PORT ?= 5000
# The demo programme ran 2007–2012: serve it as of 1 March 2010 (DEMO_DATE= for the real date).
DEMO_DATE ?= 2010-03-01
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PYTHON ?= python3
export FLASK_APP := wsgi.py
# Links in notification e-mails point at the server make run starts.
export APP_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run web scheduler prod test install translations assets extract-messages bench lint

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations assets

# Hashed copies of the static assets with gzip and brotli variants (instance/assets/; only
# what changed is written again).
assets: $(VENV)/.installed
	$(FLASK) assets build >/dev/null

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d app/translations

extract-messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract --ignore-dirs=".venv .git tests" -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -N -i app/translations/messages.pot -d app/translations

# The web server and, next to it, the scheduler (daily jobs and notification e-mails); the
# scheduler is stopped when the web server stops.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed demo --if-empty
	@export DEMO_DATE=$(DEMO_DATE); \
	$(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Only the web server (when a scheduler already runs elsewhere).
web: install
	$(FLASK) db upgrade
	DEMO_DATE=$(DEMO_DATE) $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Only the scheduler: exactly one should run; a second one waits on its lock.
scheduler: install
	$(FLASK) db upgrade
	DEMO_DATE=$(DEMO_DATE) $(FLASK) scheduler run

# Production: gunicorn (gunicorn.conf.py: BIND, WEB_CONCURRENCY, ...) with the workers sharing
# the login counters in Redis; run `make scheduler` once next to it. Needs SECRET_KEY and
# DATABASE_URL in the environment.
prod: install
	APP_CONFIG=production $(FLASK) db upgrade
	APP_CONFIG=production RATELIMIT_STORAGE_URI=$${RATELIMIT_STORAGE_URI:-redis://127.0.0.1:6379/0} \
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check app reports tests benchmarks config.py wsgi.py

# Generated portfolios at BENCH_SCALES (default 0.01; e.g. BENCH_SCALES=0.01,0.1,1) on SQLite, or on
# PostgreSQL with BENCH_DATABASE_URL; writes benchmarks/results.md. Then the focused benchmarks.
bench: install
	$(PY) benchmarks/run.py
	@for script in benchmarks/*.py; do \
	  case "$$script" in */run.py|*/generate.py) ;; *) $(PY) "$$script" || exit 1;; esac; \
	done
