# The whole set-up: `make run` serves the API, `make test` runs the tests.
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := service

.PHONY: run edge dev test lint content-lint format spec bench search-eval lock clean

run: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" bin/prepare
	PATH="$(CURDIR)/$(BIN):$$PATH" bin/serve

# The service behind nginx as a caching reverse proxy (edge/): the edge on http://127.0.0.1:8080
# (EDGE_PORT), the service on PORT. nginx is Debian's package, installed if missing.
edge: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" bin/prepare
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m edge

dev: $(VENV)/.installed
	$(BIN)/flask prepare
	$(BIN)/flask run --debug --port "$${PORT:-8000}"

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The seed's content against the editors' rules (flask content lint), on a throwaway database.
content-lint: $(VENV)/.installed
	@db=$$(mktemp -d)/content.db; \
	DATABASE_URL="sqlite:///$$db" LOG_LEVEL=WARNING $(BIN)/flask prepare >/dev/null && \
	DATABASE_URL="sqlite:///$$db" LOG_LEVEL=WARNING $(BIN)/flask content lint; \
	status=$$?; rm -r "$$(dirname "$$db")"; exit $$status

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Hot reads against a bare-Flask floor, and growth to 10,000s of items (bench/bench.py --help).
# BENCH_ARGS=--smoke for one short run; BENCH_POSTGRES_URL=... to measure growth on PostgreSQL too.
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

# How well search answers what people type: the judged queries of bench/judged-queries.yaml, scored
# on SQLite and on PostgreSQL: the server of SEARCH_EVAL_POSTGRES_URL, else the local one if it
# answers (bench/relevance.py --help). SEARCH_EVAL_ARGS=--no-fail to report without failing.
SEARCH_EVAL_DEFAULT_POSTGRES_URL := postgresql+psycopg://postgres@127.0.0.1:5432/postgres

search-eval: $(VENV)/.installed-dev
	$(BIN)/python bench/relevance.py --default-postgres-url $(SEARCH_EVAL_DEFAULT_POSTGRES_URL) $(SEARCH_EVAL_ARGS)

# Rewrite the committed spec snapshot after an API change, so that the change is a reviewed diff.
spec: $(VENV)/.installed
	LOG_LEVEL=WARNING $(BIN)/flask openapi write --format json docs/openapi.json

# pyproject.toml keeps the ranges; requirements.txt (the service) and requirements-dev.txt (with
# the tests' and the benchmark's tools) pin the exact versions that the image, CI and `make` install.
lock: $(VENV)/.installed-dev
	$(BIN)/uv pip compile --quiet --python-version 3.11 pyproject.toml -o requirements.txt
	$(BIN)/uv pip compile --quiet --python-version 3.11 --all-extras pyproject.toml -o requirements-dev.txt

PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# Install again only when the pins change.
$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(PIP) --requirement requirements.txt
	$(PIP) --no-deps --editable .
	$(BIN)/python -m pip check
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt pyproject.toml | $(BIN)/python
	$(PIP) --requirement requirements-dev.txt
	$(PIP) --no-deps --editable .
	$(BIN)/python -m pip check
	touch $@ $(VENV)/.installed $(VENV)/.installed-bench

$(VENV)/.installed-bench: $(VENV)/.installed-dev
	touch $@

$(BIN)/python:
	python3 -m venv $(VENV)

clean:
	rm -rf $(VENV) instance
