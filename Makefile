# Gongkai — two commands set everything up on a fresh machine with Python 3.11+:
#   make run    install into .venv, migrate, load the demo organisation, serve on 127.0.0.1:8000 with a worker
#   make test   install and run the whole suite (SQLite; set GONGKAI_DATABASE_URL for PostgreSQL)

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-postgres bench lint audit lock format messages clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade -c constraints.txt pip setuptools
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	GONGKAI_DEBUG=1 $(BIN)/gongkai compilemessages --ignore=.venv >/dev/null 2>&1 || true
	GONGKAI_DEBUG=1 $(BIN)/gongkai migrate --no-input
	GONGKAI_DEBUG=1 $(BIN)/gongkai demo
	GONGKAI_DEBUG=1 $(BIN)/gongkai serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-postgres: $(STAMP)
	GONGKAI_DATABASE_URL=$${GONGKAI_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gongkai} $(BIN)/pytest -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# pip-audit over .venv; exit 3 from .ci/audit means its vulnerability database could not be reached.
audit: $(STAMP)
	./.ci/audit

# Pin what the direct dependencies pull in to the versions installed now (after changing pyproject.toml:
# make clean install, run the suite, then make lock).
lock: $(STAMP)
	{ echo "# Every package installed with gongkai[dev], pinned: make install uses this as constraints."; \
	  echo "# Regenerate with make lock after changing pyproject.toml; audited by make audit."; \
	  $(BIN)/python -m pip freeze --all --exclude-editable; } > constraints.txt

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
