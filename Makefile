# `make demo` and `make test` each create .venv and install what they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# torch for the sentence embeddings, installed before the rest so that the CPU build is the
# one taken (this machine's wheel directory holds it; elsewhere set e.g.
# TORCH='torch --index-url https://download.pytorch.org/whl/cpu').
TORCH ?= torch==2.13.0
DEMO := demo-review

.PHONY: demo test lint bench-ingest clean-demo venv

$(STAMP): pyproject.toml setup.py $(wildcard screening/readers/*.c) $(wildcard screening/rank/*.c)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[dev,embeddings]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/litsieve init $(DEMO) --config config/example.toml
	$(BIN)/litsieve import $(DEMO)
	$(BIN)/litsieve dedup $(DEMO)
	$(BIN)/litsieve status $(DEMO)
	$(BIN)/litsieve export $(DEMO) --output $(DEMO)/exports/records.csv
	$(BIN)/litsieve decisions import $(DEMO) tests/data/decisions/ketamine_decisions.csv
	$(BIN)/litsieve rank $(DEMO) --status
	$(BIN)/litsieve simulate tests/data/screening/invented_300.csv --seeds 2 \
		--output $(DEMO)/simulation
	$(BIN)/litsieve prisma $(DEMO) --format png --output $(DEMO)/prisma.png
	$(BIN)/litsieve prisma $(DEMO) --format svg --output $(DEMO)/prisma.svg
	$(BIN)/litsieve pool tests/data/pooling/ketamine_pain_md.csv --measure MD --method IV \
		--model random --profile revman5 --output $(DEMO)/pooling

test: $(STAMP)
	$(BIN)/ruff check screening extraction flows tests benchmarks
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check screening extraction flows tests benchmarks

bench-ingest: $(STAMP)
	$(BIN)/python benchmarks/ingest.py

clean-demo:
	rm -rf $(DEMO)
