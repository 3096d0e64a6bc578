# The two commands a newcomer needs: `make preview` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev
ARGS ?=

.PHONY: preview test unit bench config-reference plan-snapshot policy-pack clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## Offline preview of a stack (default dev): what `pulumi up` would create, with policy results.
preview: $(VENV)/.installed
	$(BIN)/python -m offline preview --stack $(STACK) $(ARGS)

## The whole test suite.
test: $(VENV)/.installed
	$(BIN)/python -m pytest -n 2 $(ARGS)

## The fast loop: pure functions only (config, Helm values, names, helpers), no program run.
unit: $(VENV)/.installed
	$(BIN)/python -m pytest -n 2 tests/unit $(ARGS)

## Offline preview wall time and peak memory per stack against the SDK import floor.
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/preview_bench.py $(ARGS)

## Regenerate docs/configuration.md after changing a setting in stackconfig/.
config-reference: $(VENV)/.installed
	$(BIN)/python -m stackconfig.reference > docs/configuration.md

## Record the plan of every stack (tests/snapshots/) after a change that means to alter it.
plan-snapshot: $(VENV)/.installed
	$(BIN)/python scripts/plan_snapshot.py --write

## The policy pack as `pulumi policy publish build/policy-pack` archives it (policies/ plus the pure cost model).
policy-pack: $(VENV)/.installed
	$(BIN)/python scripts/assemble_policy_pack.py build/policy-pack

clean:
	rm -rf $(VENV) .pytest_cache
