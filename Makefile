# Two commands on a fresh machine (Python >= 3.10 with venv):
#   make demo   set up .venv and open the dashboard on the built-in demo fleet
#   make test   set up .venv and run ruff, mypy, the import contracts (lint-imports), the size limits and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint testbed bench screenshots

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/agentops-tui demo

lint: setup
	$(BIN)/ruff format --check probes agentops_tui tests benchmarks scripts
	$(BIN)/ruff check probes agentops_tui tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_sizes.py probes agentops_tui

testbed:
	bash scripts/testbed-install

test: lint testbed
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/dashboard_cpu.py

screenshots: setup
	$(BIN)/python scripts/screenshots.py
