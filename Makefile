# reportgen — `make run` builds the sample cards, `make test` runs the tests.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# PYTHONWARNINGS hides only the note setuptools prints for every editable install
EDITABLE := PYTHONWARNINGS='ignore:Editable installation' $(BIN)/pip install --quiet -e

.PHONY: run test lint preview bench samples clean web

# setuptools>=77 in the venv too, so that `pip wheel --no-build-isolation .` (tests/test_readme.py)
# builds offline
$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip 'setuptools>=77'
	$(EDITABLE) '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/reportgen build input/master.xlsx -o output --format all
	@echo "reportgen 명령 쓰기 / to use the reportgen command: . .venv/bin/activate   (README.md: 쓰는 법 / Usage)"

test: $(STAMP)
	bash scripts/system-deps.sh
	$(BIN)/ruff check reportgen tests bench
	$(BIN)/pytest -q

# The web application (현황, 카드, 검사, 취합, 만들기) on http://127.0.0.1:8765/ with the browser opened;
# its workspace is ~/reportgen (a new one starts with the sample of input/). WORKSPACE=folder for another.
web: $(STAMP)
	$(BIN)/reportgen web $(WORKSPACE)

preview: $(STAMP)
	PYTHON=$(BIN)/python bash scripts/preview.sh output

bench: $(STAMP)
	$(EDITABLE) '.[test,bench]'
	$(BIN)/python bench/bench_table.py

# The sample input, made from the two reference cards (2024-12 = now, 2024-03 = the quarter before).
samples: $(STAMP)
	rm -f input/master.xlsx input/history/2024-03.xlsx
	$(BIN)/reportgen import tests/fixtures/3-1_2024-12_from-hwp.txt --id 3-1 \
	    --title "서부산스마트밸리 「낙동강 테크노밸리」 조성" --area "3. 일자리가 넘치는 경제도시" \
	    --agency "부산광역시 사하구" --term 8기 --as-of 2024-12-31 -o input/master.xlsx
	$(BIN)/reportgen import tests/fixtures/3-1_2024-03_from-docx.txt --area "3. 일자리가 넘치는 경제도시" \
	    --agency "부산광역시 사하구" --term 8기 --as-of 2024-03-31 -o input/history/2024-03.xlsx

lint: $(STAMP)
	$(BIN)/ruff check reportgen tests bench

clean:
	rm -rf $(VENV) output/*.txt output/*.docx output/*.xlsx output/*.hwpx output/*.hwp output/preview
