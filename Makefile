# Two entry points: `make run` (set-up + demo + the web app on :8000) and `make test` (set-up + tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install demo-catalog bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/python scripts/fetch_image_model.py || echo "the image model was not installed: main images fall back to GrabCut (run scripts/fetch_image_model.py later)"
	touch $(STAMP)

install: $(STAMP)

demo-catalog: $(STAMP)
	$(BIN)/tradewinds catalog demo --if-absent

run: demo-catalog
	$(BIN)/tradewinds source "We need 500 ceramic coffee mugs with our logo, under 2 USD each, FDA approved, ship to Germany"
	$(BIN)/tradewinds source "需要500件纯棉T恤，定制logo，单价不超过3美元" --out sourcing-report.pdf
	$(BIN)/tradewinds bulk examples/purchase-list.csv --out purchase-plan.xlsx
	$(BIN)/tradewinds search "commercial espresso machine" --qty 2 --limit 5
	@echo "web app and API on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(BIN)/tradewinds serve

test: $(STAMP)
	scripts/ensure-test-tools.sh
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/matching.py --data-dir ../shared/data/entity-matching --split valid
	$(BIN)/python benchmarks/search_speed.py --products 1000000
	$(BIN)/python benchmarks/models.py
	$(BIN)/python benchmarks/sourcing.py
	$(BIN)/python benchmarks/bulk.py --lines 500

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info
