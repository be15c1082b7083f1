# The two commands README promises: `make demo` and `make test`. Both set up what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup browser lint test-python test-js bench gallery

$(STAMP): pyproject.toml js/package.json
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,distributed]"
	touch $(STAMP)

setup: $(STAMP)

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

demo: setup
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/01_quickstart.ipynb

# Re-execute every gallery notebook on a fresh kernel and store its outputs (no widget state);
# `$(BIN)/python tests/gallery.py 02` runs one without writing.
gallery: setup
	$(BIN)/python tests/gallery.py --write

lint: setup
	$(BIN)/ruff check src tests benchmarks

test-js: setup
	cd js && npm ci --no-audit --no-fund && npm run typecheck && npm test

test-python: setup browser
	$(BIN)/python -m pytest -n 2

test: lint test-js test-python

bench: setup
	$(BIN)/python benchmarks/run_all.py
