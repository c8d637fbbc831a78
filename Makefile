# The whole set-up: `make run` serves the API, `make test` runs the tests.
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := service

.PHONY: run dev test lint format spec bench clean

run: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" bin/serve

dev: $(VENV)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	$(BIN)/flask run --debug --port "$${PORT:-8000}"

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Hot reads against a bare-Flask floor, and growth to 10,000s of items (bench/bench.py --help).
# BENCH_ARGS=--smoke for one short run; BENCH_POSTGRES_URL=... to measure growth on PostgreSQL too.
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

# Rewrite the committed spec snapshot after an API change, so that the change is a reviewed diff.
spec: $(VENV)/.installed
	LOG_LEVEL=WARNING $(BIN)/flask openapi write --format json docs/openapi.json

# Install again only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --editable .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --editable '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --editable '.[bench]'
	touch $@ $(VENV)/.installed

$(BIN)/python:
	python3 -m venv $(VENV)

clean:
	rm -rf $(VENV) instance
