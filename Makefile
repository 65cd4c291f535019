# The two commands of the README: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup assets browser build serve test lint reference clean bench bench-quick

$(BIN)/migcoop: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/migcoop

# Browser assets (YASGUI, the world map) from the npm registry, served by our own server from /static/vendor.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: node_modules/.package-lock.json

# Debian's headless Chromium and its driver, for the real-browser tests (tests/test_browser.py).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver)

build: setup
	$(BIN)/migcoop build

serve: build assets
	$(BIN)/migcoop serve --host $(HOST) --port $(PORT)

test: setup assets browser
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

reference: setup
	$(BIN)/python scripts/generate_reference.py

# Benchmark suite (README.md, "Performance"): builds, cold start, saved queries, throughput and memory at
# real size, 5,000 and 50,000 synthetic actions, against Oxigraph's server and the naive rdflib stack.
# It takes long (hours on 2 cores: the 50,000-action size dominates); bench-quick is real size only.
BENCH_SIZES ?= real,5000,50000

bench: setup
	@echo "bench: sizes $(BENCH_SIZES); this takes long (the reference build alone takes ~25 min at 5000 actions on 2 cores; 50000 adds ~45 min)"
	$(BIN)/python -m bench.run --sizes $(BENCH_SIZES) --out bench/results

bench-quick: setup
	$(BIN)/python -m bench.run --quick --out bench/results/quick

clean:
	rm -rf var build
