# Every target sets itself up on first use: a uv binary in .tools/, the locked environment in
# .venv/ (dependencies and the pinned spaCy model package). No Redis needed: without REDIS_URL
# the stack starts an embedded one.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export UV_PYTHON_DOWNLOADS ?= never
RUN := $(UV) run --frozen
SCENARIOS ?= $(firstword $(wildcard ../shared/eval/dev.jsonl))
BENCH_ARGS ?=
CHAOS_ARGS ?=

.PHONY: setup run demo test test-unit lint eval el-eval bench chaos asyncapi clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced

run: setup  ## start the stack, feed the sample articles, print alerts until Ctrl-C
	$(RUN) claimwatch run

demo: setup  ## same as run, but exit once the sample feed is processed
	$(RUN) claimwatch demo

test: setup  ## the whole test suite (unit, integration, end-to-end)
	$(RUN) pytest

test-unit: setup
	$(RUN) pytest tests/unit

lint: setup
	$(RUN) ruff check .
	$(RUN) mypy
	$(RUN) lint-imports

eval: setup  ## score contradiction scenarios: make eval SCENARIOS=FILE
	@test -n "$(SCENARIOS)" || { echo "set SCENARIOS=FILE (../shared/eval/dev.jsonl is absent)"; exit 2; }
	$(RUN) claimwatch eval "$(SCENARIOS)" --json

el-eval: setup  ## entity-linking accuracy on the shipped labelled set
	$(RUN) claimwatch el-eval

bench: setup  ## throughput, latency, check cost, memory: make bench BENCH_ARGS='--corpus PATH'
	$(RUN) claimwatch bench $(BENCH_ARGS)

chaos: setup  ## crash, restart and bad-input scenarios
	$(RUN) claimwatch chaos $(CHAOS_ARGS)

asyncapi: setup  ## write the AsyncAPI documents of every service to docs/asyncapi/
	@mkdir -p docs/asyncapi
	for s in entity_worker claim_worker alert_worker notifier; do \
	  REDIS_URL=redis://127.0.0.1:6379/0 $(RUN) faststream docs gen --yaml services.$$s.main:app --out docs/asyncapi/$$s.yaml; \
	done

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache
