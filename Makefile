# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# compat: the source folder on sys.path, as before setuptools' lenient mode, which
# warns at every install; new modules need no reinstall.
EDITABLE := --config-settings editable_mode=compat

.PHONY: run web test lint format screenshots bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[ftp,web]' $(EDITABLE)
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[ftp,web,test]' $(EDITABLE)
	touch $@

run: $(STAMP)
	$(BIN)/handset-ca

# The classroom: the app served to a browser on 127.0.0.1 (`make web PORT=8001`).
PORT ?= 8000
web: $(STAMP)
	$(BIN)/handset-ca web --port $(PORT)

test: lint
	$(BIN)/pytest -n 2 -q

# Style, then the layers (core never imports tui or textual; no cycles; no private
# names across modules), then types (mypy: its files and strict modules are in
# pyproject.toml), all static.
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check_imports.py
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The SVGs, then screenshots/web.png from the browser test (needs Chromium: .ci/run).
screenshots: $(TEST_STAMP)
	$(BIN)/python scripts/export_screenshots.py
	HANDSET_CA_SCREENSHOTS=1 HANDSET_CA_REQUIRE_BROWSER=1 $(BIN)/pytest -q tests/e2e/web

bench: $(TEST_STAMP)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
