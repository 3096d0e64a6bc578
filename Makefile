# The two commands a newcomer needs: `make preview` and `make test`. Both create .venv on first use, from the
# hashed lock (requirements.lock): every clone installs the versions the tests ran with.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev
ARGS ?=
# Two workers, each taking whole test files, so a module-scoped fixture (a bootstrap run, a rendered chart probed
# by Airflow) is computed once, not once per worker. (`--dist loadgroup` cannot group today: xdist 3.8 renames
# `item._nodeid`, which pytest 9.2 no longer reads.)
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadfile
# Resolution for every platform, Python 3.11 and later; pins a lock already holds are kept unless ARGS upgrades them.
LOCK_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock"

.PHONY: preview test lint test-time unit bench lock config-reference plan-snapshot policy-pack clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip refuses any package the lock does not pin with a matching hash, dependencies included.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

## Offline preview of a stack (default dev): what `pulumi up` would create, with policy results.
preview: $(VENV)/.installed
	$(BIN)/python -m offline preview --stack $(STACK) $(ARGS)

## The whole test suite (static checks are `make lint`).
test: $(VENV)/.installed
	$(PYTEST) $(ARGS)

## Static checks: ruff, ruff format, mypy (incremental, cache in .mypy_cache) and the import-linter contracts.
## Every check runs; the target fails if any found something.
lint: $(VENV)/.installed
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/lint-imports || status=1; \
	exit $$status

## The suite's wall and CPU time (benchmarks/suite_time.py), the figure the README states.
test-time: $(VENV)/.installed
	$(BIN)/python benchmarks/suite_time.py -- $(MAKE) --no-print-directory test ARGS="$(ARGS)"

## The fast loop: pure functions only (config, Helm values, names, helpers), no program run.
unit: $(VENV)/.installed
	$(PYTEST) tests/unit $(ARGS)

## Offline preview wall time and peak memory per stack against the SDK import floor.
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/preview_bench.py $(ARGS)

## Re-resolve the hashed locks after editing requirements*.txt or policies/requirements.in: requirements.lock
## (what .venv installs) and policies/requirements.txt (the pack's venv, at the same versions).
## `make lock ARGS=--upgrade` moves every pin to the newest release the ranges allow; `ARGS="-P <package>"` one.
lock: $(VENV)/.installed
	$(LOCK_COMPILE) requirements-dev.txt -o requirements.lock $(ARGS)
	$(LOCK_COMPILE) policies/requirements.in -c requirements.lock -o policies/requirements.txt

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
