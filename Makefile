# reportgen — `make run` builds the sample cards, `make test` runs the tests.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: run test lint preview bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/reportgen build input/master.xlsx -o output --format all

test: $(STAMP)
	$(BIN)/ruff check reportgen tests bench
	$(BIN)/pytest -q

preview: $(STAMP)
	PYTHON=$(BIN)/python bash scripts/preview.sh output

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/bench_writers.py
	$(BIN)/python bench/bench_batch.py

lint: $(STAMP)
	$(BIN)/ruff check reportgen tests bench

clean:
	rm -rf $(VENV) output/*.txt output/*.docx output/*.xlsx output/*.hwpx output/*.hwp output/preview
