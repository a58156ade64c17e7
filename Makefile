# paperwire — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# pytest arguments, e.g. `make test ARGS="-k search"`
ARGS   ?=

.PHONY: run test install install-dev lint docs bench clean

## Set up everything, migrate the store and serve http://$(HOST):$(PORT)
run: install
	@if [ -z "$$PAPERWIRE_SECRET_KEY" ]; then \
	  echo "PAPERWIRE_SECRET_KEY is unset: serving in dev mode (sign-in links print here)"; \
	  export PAPERWIRE_DEV_MODE=true; fi; \
	$(BIN)/paperwire serve --host $(HOST) --port $(PORT)

## Run the whole test suite (SQLite and PostgreSQL, real Chromium)
test: install-dev
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/python scripts/gen_cli_docs.py --check
	$(BIN)/python -m pytest -n 2 $(ARGS)

$(VENV)/pyvenv.cfg:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Check style
lint: install-dev
	$(BIN)/ruff check src tests bench scripts

## Regenerate docs/cli.md from the CLI's own help
docs: install-dev
	$(BIN)/python scripts/gen_cli_docs.py

## Run the benchmarks on the full sample (minutes)
bench: install-dev
	$(BIN)/python bench/import_snapshot.py
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
