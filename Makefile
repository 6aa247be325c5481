# Entry points. Each target creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lab bench lint install

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
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

# Debian's wrk, the HTTP load generator of the webhook ingest benchmark.
WRK := /usr/bin/wrk

$(WRK):
	$(SUDO) apt-get install -y --no-install-recommends wrk \
	  || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends wrk)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# The suite and the executed notebooks use a private config and data folder, never the user's.
TEST_HOME := $(CURDIR)/build/test-home

test: $(STAMP) $(PRISM) $(CHROMIUM) $(DOVECOT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	rm -rf $(TEST_HOME)
	WORKBENCH_CONFIG_DIR=$(TEST_HOME)/config WORKBENCH_DATA_DIR=$(TEST_HOME)/data \
	WORKBENCH_SECRET_BACKEND=file PATH=$(CURDIR)/$(BIN):$$PATH \
	$(BIN)/pytest --nbval-lax --doctest-modules tests workbench connectors notebooks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks

bench: $(STAMP) $(WRK)
	for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done
