# `make run` loads O*NET, builds the models and serves the API; `make test` runs every check CI runs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Lint tools for the deployment files live apart: their pins clash with dbt-core 1.7's.
TOOLS := $(VENV)/tools/bin
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: run load build docs serve assets test test-unit lint lint-deploy bench clean requirements

# uv installs the pinned requirements (what pip would install, in seconds rather than a minute),
# compiled to bytecode as pip does: where PYTHONDONTWRITEBYTECODE is set, no process writes .pyc
# files, and each would compile every module it imports (importing great-expectations: 10 s, not 4).
UV_VERSION := 0.13.9
UV := $(BIN)/uv

$(UV):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(BIN)/.installed: requirements.txt pyproject.toml | $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

$(TOOLS)/.installed: requirements-tools.txt | $(UV)
	test -x $(TOOLS)/python || $(PYTHON) -m venv --without-pip $(VENV)/tools
	$(UV) pip install --quiet --compile-bytecode --python $(TOOLS)/python -r requirements-tools.txt
	touch $@

# The Swagger UI and ReDoc bundles the service serves at /docs and /redoc (npm packages).
node_modules/.installed: package.json package-lock.json
	npm ci
	touch $@

assets: node_modules/.installed

# Load, build the models and their docs site, then serve; each step skipped when nothing changed.
run: $(BIN)/.installed node_modules/.installed
	$(BIN)/python scripts/run_pipeline.py

serve: $(BIN)/.installed node_modules/.installed
	$(BIN)/gunicorn -c gunicorn.conf.py

load: $(BIN)/.installed
	$(BIN)/python -m loader load $(ONET_SOURCE)

# Builds into <MYSQL_DATABASE>_build and, when every model and test passed, publishes the marts
# into <MYSQL_DATABASE> at once (docs/publishing.md).
build: $(BIN)/.installed
	$(BIN)/python -m service.create_api_store
	$(BIN)/dbt build

docs: $(BIN)/.installed
	$(BIN)/dbt docs generate

# Test files run on both cores, the full release's load and build made once for both pytest
# workers, the files sharing another costly setup on one worker (tests/conftest.py); the ten
# slowest tests are printed.
test: $(BIN)/.installed node_modules/.installed lint lint-deploy
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=10 $(PYTEST_ARGS)

# The unit tier alone: pure code, seconds, no database, dbt or network (tests/unit/conftest.py refuses connections).
test-unit: $(BIN)/.installed
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/lint_sql.py
	$(BIN)/sqlfluff lint --processes 2 dbt_project
	$(BIN)/lint-imports

lint-deploy: $(TOOLS)/.installed
	$(TOOLS)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	$(TOOLS)/hadolint Dockerfile

bench: $(BIN)/.installed
	@set -e; for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b; done

requirements: $(BIN)/.installed
	$(UV) pip compile --quiet --no-header --output-file requirements.txt requirements.in
	$(UV) pip compile --quiet --no-header --output-file requirements-tools.txt requirements-tools.in

clean:
	rm -rf $(VENV) node_modules target logs .pytest_cache .ruff_cache bench/out tests/out
