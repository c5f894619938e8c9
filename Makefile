# `make run` loads O*NET and builds the models; `make test` runs every check CI runs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: run load test lint bench clean requirements

$(BIN)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

run: $(BIN)/.installed load

load: $(BIN)/.installed
	$(BIN)/python -m loader load $(ONET_SOURCE)

test: $(BIN)/.installed lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/lint_sql.py

bench: $(BIN)/.installed
	@set -e; for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b; done

requirements: $(BIN)/.installed
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-header --output-file requirements.txt requirements.in

clean:
	rm -rf $(VENV) target logs .pytest_cache .ruff_cache bench/out tests/out
