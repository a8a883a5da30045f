# TradeFollow — `make help` lists the targets. Two commands matter to a newcomer:
#   make run    set everything up (once) and serve the demo on http://127.0.0.1:5000
#   make test   set everything up and run lint + the whole suite on SQLite, then PostgreSQL
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
MO := translations/zh/LC_MESSAGES/messages.mo translations/en/LC_MESSAGES/messages.mo

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite test-pg lint format setup system-deps browser-deps venv assets \
        i18n-extract i18n-update i18n-compile db-upgrade demo doctor serve worker bench-pdf pdf-samples clean

help: ## list the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

# The job queue's consumer (imports, large exports, periodic jobs) runs beside the web server and
# stops with it. Production runs the two as services of their own (docs/deploy.md).
run: setup db-upgrade demo ## set up (first time only) and serve the app and its job consumer, with the demo company
	@$(FLASK) jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	 $(FLASK) doctor || echo "(the app runs, but fix what doctor reports above)"; \
	 $(FLASK) run --host $(HOST) --port $(PORT)

serve: setup db-upgrade ## gunicorn (gunicorn.conf.py) and the job consumer; production: two services, docs/deploy.md
	@$(FLASK) jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	 $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

worker: $(VENV)/.installed ## the job queue's consumer alone (JOBS_WORKERS, REDIS_URL or JOBS_SQLITE)
	$(FLASK) jobs worker

test: setup browser-deps lint ## lint, then the whole suite on SQLite and (TEST_DATABASE_URL) PostgreSQL
	$(MAKE) test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) test-pg; \
	 else echo "TEST_DATABASE_URL is not set: PostgreSQL run skipped"; fi

test-sqlite: ## the suite on SQLite only
	env -u TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-pg: ## the suite on PostgreSQL only (needs TEST_DATABASE_URL)
	@test -n "$$TEST_DATABASE_URL" || { echo "set TEST_DATABASE_URL=postgresql://..."; exit 2; }
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff check, ruff format --check, and the import contracts (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

setup: system-deps venv assets i18n-compile ## everything the app needs, skipping what is done

system-deps: ## install missing Debian packages (fonts, HarfBuzz, Pango, npm)
	@scripts/system_deps.sh

browser-deps: ## install Debian's chromium for the browser tests
	@scripts/system_deps.sh --browser

venv: $(VENV)/.installed ## the virtualenv with the project and its dev tools

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

assets: webapp/static/vendor/.installed ## htmx and Bootstrap from npm into webapp/static/vendor (+ axe-core for the browser tests)

webapp/static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p webapp/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js webapp/static/vendor/
	cp node_modules/bootstrap/dist/css/bootstrap.min.css webapp/static/vendor/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js webapp/static/vendor/
	@# axe-core stays in node_modules: only tests/e2e/test_accessibility.py loads it, never a user
	@test -f node_modules/axe-core/axe.min.js
	@touch $@

i18n-extract: $(VENV)/.installed ## collect strings from code and templates into translations/messages.pot
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output \
	  --project TradeFollow -o translations/messages.pot .

i18n-update: i18n-extract ## merge the .pot into the zh/en catalogs (en msgstr = msgid)
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python scripts/i18n_fill_en.py
	$(BIN)/python scripts/i18n_apply_zh.py  # no files: rewrites zh at the width the catalogs use

i18n-compile: $(MO) ## compile the catalogs

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d translations -l $*

db-upgrade: $(VENV)/.installed ## apply migrations to the database (instance/ SQLite by default)
	$(FLASK) db upgrade

demo: $(VENV)/.installed ## create the demo company when the database is empty
	$(FLASK) demo --base-url http://$(HOST):$(PORT)

doctor: $(VENV)/.installed ## check fonts, HarfBuzz, database, migrations, assets and the job consumer
	$(FLASK) doctor

bench-pdf: setup ## PDF speed: Chinese export-order form vs. Latin-only, medians and ratio
	$(BIN)/python scripts/bench_pdf.py

pdf-samples: setup browser-deps ## render every paper form of the demo to PNG under build/pdf-samples
	$(BIN)/python scripts/pdf_samples.py build/pdf-samples

clean: ## remove the venv, node_modules, built assets and compiled catalogs (keeps instance/)
	rm -rf $(VENV) node_modules webapp/static/vendor $(MO)
