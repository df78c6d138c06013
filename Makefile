# Two entry points: `make run` (set-up + demo) and `make test` (set-up + tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install demo-catalog bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo-catalog: $(STAMP)
	$(BIN)/tradewinds catalog demo --if-absent

run: demo-catalog
	$(BIN)/tradewinds search "commercial espresso machine" --qty 2 --limit 5
	$(BIN)/tradewinds search "咖啡机" --qty 10 --limit 5
	$(BIN)/tradewinds search "cotton t-shirt custom logo" --qty 500 --max-price 3 --country CN,VN,BD --limit 5

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/matching.py --data-dir ../shared/data/entity-matching --split valid
	$(BIN)/python benchmarks/search_speed.py --products 1000000
	$(BIN)/python benchmarks/models.py

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info
