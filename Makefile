# The two commands: `make run` (the portal with demo data on the zero-setup defaults) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
#: Test processes (pytest-xdist); each has its own test database, Redis database and broker folder.
TEST_PROCESSES ?= 2

.PHONY: run test lint install install-dev browser sandbox clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: install, migrate, create the staff login, then start sandboxes, web, worker and beat.
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_staff_user
	$(VENV)/bin/honcho start

## browser: Debian's Chromium for the browser tests (Playwright cannot download one here).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && apt-get install -y -q --no-install-recommends chromium; \
	  else echo "chromium is missing: install it (apt-get install chromium) or browser tests skip"; fi; }

## test: lint, type-check (mypy), then the whole suite in TEST_PROCESSES processes (SQLite + filesystem broker unless DATABASE_URL/REDIS_URL are set).
test: $(VENV)/.installed-dev browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

sandbox: $(VENV)/.installed
	$(PY) -m vendors.sandbox --port 8100 --seed 50

clean:
	rm -rf var/celery var/test.sqlite3
