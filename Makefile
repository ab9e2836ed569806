# Two entry points: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit e2e bench schema clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

## demo: offline preview of the built-in lottery prod stack (no credentials, no Pulumi CLI)
demo: $(STAMP)
	$(BIN)/blueprints preview --stack lottery-prod

## test: lint, type check and the test suite
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/pyright

unit: $(STAMP)
	$(BIN)/pytest

## e2e: the real Pulumi CLI, language hosts, Kubernetes provider (and, with them, an API
## server): built from the Go module proxy into ~/.cache/blueprints-tools on first use (needs Go)
e2e: $(STAMP)
	@tools="$$(bash e2e/build-tools.sh)" && set -a && eval "$$tools" && set +a && $(BIN)/pytest e2e

## bench: preview speed and memory (figures go to docs/performance.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/preview.py
	$(BIN)/python benchmarks/check.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
