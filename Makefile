# avemo: `make demo` runs the main job on the embedded demo corpus, `make test` runs every test, `make docs` builds the docs site
# offline in _docs/ (no Quarto needed; `nbdev_docs` builds the Quarto site where Quarto is installed). All install into .venv first.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export PYTHONWARNINGS ?= ignore::DeprecationWarning

.PHONY: install demo test clean-demo export readme docs

install: $(VENV)/.installed

$(VENV)/.installed: settings.ini setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

demo: install
	$(BIN)/avemo pipeline --profile demo --out reports/demo

test: install
	$(BIN)/nbdev_test --n_workers 2 --timing
	$(BIN)/python -m pytest -q tests

export: install
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean

clean-demo:
	rm -rf reports/demo

readme: install
	$(BIN)/python -c "from avemo.docs import render_readme; render_readme()"

docs: install
	$(BIN)/python -m avemo.docs --out _docs
