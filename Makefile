# cms-bridge — the two commands that do all set-up on a fresh Debian 12 machine:
#   make run    install into .venv, initialise the embedded SQLite database, serve
#   make test   install what the tests need (Python packages; Debian's WordPress,
#               PHP, MariaDB, Chromium), run the whole suite, stop what it started
# Both are idempotent: a second run only does what is missing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# Your own config.toml when it exists (copy config.example.toml to start one), else the example.
CONFIG ?= $(if $(wildcard config.toml),config.toml,config.example.toml)
# Extra pytest arguments for `make test-fast`, e.g. PYTEST_ARGS="-x -q tests/test_inbox.py".
PYTEST_ARGS ?=

.PHONY: run test test-fast lint bench install install-test system-deps clean help wordpress-plugin i18n i18n-compile

help:
	@echo "make run    - install into $(VENV) and start cms-bridge with $(CONFIG)"
	@echo "make test   - install test dependencies (needs root for apt) and run the whole suite"
	@echo "make test-fast - the tests that need neither root nor WordPress nor Chromium (no apt, no MariaDB):"
	@echo "             pytest -m 'not wordpress and not browser'; markers set by tests/conftest.py"
	@echo "make lint   - ruff, then mypy (the type checker; [tool.mypy] in pyproject.toml: bridge/, adapters/, webhooks/);"
	@echo "             make test and make test-fast run it first"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make wordpress-plugin - build dist/cms-bridge-connector.zip (upload it in wp-admin)"
	@echo "make i18n   - extract the interface's strings and update bridge/translations/*/messages.po"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the packaging metadata changed.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed i18n-compile
install-test: $(VENV)/.installed-test i18n-compile

# The interface's words (docs/glossary.md): the .po files are the source and are committed;
# `make i18n` re-extracts the strings marked in code and templates and merges them into
# every catalogue (new ones arrive empty: translate them, tests/test_i18n_catalogue.py
# fails until you do); the .mo files are built here (and by the app when missing).
PO_FILES := $(wildcard bridge/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

i18n: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output \
	  --project cms-bridge --copyright-holder "cms-bridge contributors" -o bridge/translations/messages.pot .
	$(BIN)/pybabel update -i bridge/translations/messages.pot -d bridge/translations \
	  --width 120 --ignore-obsolete

i18n-compile: $(MO_FILES)

bridge/translations/%/LC_MESSAGES/messages.mo: bridge/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

system-deps:
	bash scripts/install-system-deps.sh

# Serves the web UI and, beside it, runs `cms-bridge sync` every minute (what cron
# does in production) so approved items get published and decisions written back.
run: install
	@echo "cms-bridge: serving with the configuration in $(CONFIG)$(if $(wildcard config.toml),, (copy it to config.toml to make your own; make run then uses that))"
	$(BIN)/cms-bridge --config $(CONFIG) init
	@echo "cms-bridge: log in at http://127.0.0.1:8000/ with the admin password printed above"
	@echo "            (first run only; lost it? $(BIN)/cms-bridge --config $(CONFIG) users passwd admin --generate)"
	@$(BIN)/cms-bridge --config $(CONFIG) sync --every 60 & sync_pid=$$!; \
	  trap 'kill $$sync_pid 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/cms-bridge --config $(CONFIG) serve

# ruff, then the type checker over what pyproject.toml's [tool.mypy] names (bridge/, adapters/, webhooks/).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy

test: system-deps lint
	bash scripts/run-tests.sh

# What needs neither root, the harness's WordPress (MariaDB, php) nor Chromium: tests/conftest.py
# marks every test using the `wordpress`/`wp` fixtures `wordpress` and every one using Chromium
# `browser`. No system-deps, so no root. `make test` still runs everything.
test-fast: lint
	$(BIN)/python -m pytest -m "not wordpress and not browser" $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/run_all.py

# The WordPress connector plugin's zip, as a site admin uploads it (connectors/wordpress/).
wordpress-plugin: dist/cms-bridge-connector.zip

dist/cms-bridge-connector.zip: $(wildcard connectors/wordpress/*.php connectors/wordpress/includes/*.php) connectors/wordpress/readme.txt scripts/build-wordpress-plugin.sh
	bash scripts/build-wordpress-plugin.sh $@

clean:
	rm -rf $(VENV) build dist *.egg-info tests/artifacts
