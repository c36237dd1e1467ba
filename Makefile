# `make demo` and `make test` each create .venv and install what they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every package make installs, transitive ones included, at the versions the tests passed
# with: `pip freeze` of a clean environment, written by `make lock`. pyproject.toml keeps
# ranges for `pip install litsieve`; the lock is what make, `make demo`, `make test` and CI use.
LOCK := requirements.lock
# torch for the sentence embeddings, installed before the rest when the lock is made so that
# the CPU build is the one taken (this machine's wheel directory holds it; elsewhere set e.g.
# TORCH='torch --index-url https://download.pytorch.org/whl/cpu').
TORCH ?= torch==2.13.0
# The XML readers are also tested on the oldest lxml that pyproject.toml accepts.
LXML_OLDEST := $(shell sed -n 's/.*"lxml>=\([0-9.]*\)".*/\1/p' pyproject.toml)
LXML_DIR := $(VENV)/lxml-$(LXML_OLDEST)
DEMO := demo-review

.PHONY: demo test test-lxml-oldest lint lock bench-ingest clean-demo venv

# pip, setuptools and wheel first (the project is built with the locked setuptools, without
# build isolation), then the lock, then litsieve itself with no dependencies of its own
# choosing; pip check says if pyproject.toml asks for something the lock lacks.
$(STAMP): $(LOCK) pyproject.toml setup.py $(wildcard screening/readers/*.c) \
		$(wildcard screening/rank/*.c)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c $(LOCK) pip setuptools wheel
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

# Refresh the lock on purpose: the newest versions the registry serves that pyproject.toml
# accepts, resolved in a clean environment. Run `make test` after it, and commit both.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip setuptools wheel
	.venv-lock/bin/python -m pip install --quiet $(TORCH)
	.venv-lock/bin/python -m pip install --quiet -e '.[dev,embeddings]'
	{ echo "# Written by \`make lock\` with $$(.venv-lock/bin/python -V) on $$(uname -sm);" \
	  "do not edit by hand."; \
	  .venv-lock/bin/python -m pip freeze --all --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .venv-lock
	@echo "$(LOCK): $$(grep -c '==' $(LOCK)) packages; now run make test"

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
	$(MAKE) --no-print-directory test-lxml-oldest
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

$(LXML_DIR): | $(STAMP)
	rm -rf $(LXML_DIR).tmp
	$(BIN)/python -m pip install --quiet --no-deps --target $(LXML_DIR).tmp lxml==$(LXML_OLDEST)
	mv $(LXML_DIR).tmp $(LXML_DIR)

# The XML readers' tests with the oldest accepted lxml in front of the locked one.
test-lxml-oldest: $(LXML_DIR)
	@PYTHONPATH=$(LXML_DIR) $(BIN)/python -c \
		'import lxml; print("XML readers on lxml", lxml.__version__, "(oldest accepted)")'
	PYTHONPATH=$(LXML_DIR) $(BIN)/python -m pytest -q -p no:cacheprovider --no-lock-check \
		tests/screening/readers/test_pubmed_xml.py tests/screening/readers/test_endnote_xml.py

lint: $(STAMP)
	$(BIN)/ruff check screening extraction flows tests benchmarks

bench-ingest: $(STAMP)
	$(BIN)/python benchmarks/ingest.py

clean-demo:
	rm -rf $(DEMO)
