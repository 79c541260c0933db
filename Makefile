# keyaccounts — two commands do all set-up on a fresh machine:
#   make run    the application with demo data (embedded SQLite + filesystem broker unless DATABASE_URL/REDIS_URL)
#   make test   lint, migration check and the whole suite on PostgreSQL + Redis with a real worker and browser
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Settings per place (keyaccounts/settings/): make run → local, make test → test, the image → production.
RUN_SETTINGS := keyaccounts.settings.local

.PHONY: run test bench install install-dev messages services lint format makemessages

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime
	@scripts/ensure-system-packages.sh msgfmt:gettext

install-dev: $(VENV)/.dev
	@scripts/ensure-system-packages.sh msgfmt:gettext chromium:chromium chromedriver:chromium-driver

messages: install
	@$(PY) manage.py compilemessages --locale zh_Hans -v0 --ignore=.venv

makemessages: install
	$(PY) manage.py makemessages --locale zh_Hans --ignore=.venv --ignore=var --ignore=static --ignore=stubs --no-obsolete

run: export DJANGO_SETTINGS_MODULE := $(RUN_SETTINGS)
run: messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo
	$(PY) -m django migrate --noinput --settings=stubs.settings -v0
	@VENV=$(VENV) exec scripts/run.sh

services:
	@scripts/ensure-services.sh

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install-dev messages services lint
	DJANGO_SETTINGS_MODULE=keyaccounts.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m django makemigrations --check --dry-run --settings=stubs.settings
	DJANGO_SETTINGS_MODULE=keyaccounts.settings.test $(BIN)/pytest --create-db

bench: install-dev services
	@scripts/ensure-system-packages.sh wrk:wrk
	$(PY) -m bench $(BENCH)
