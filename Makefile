# Two commands on a fresh machine: `make migrate`, then `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
SAMPLES ?= 40
SITE_SAMPLES ?= 6

.PHONY: install install-test migrate validate test test-core samples clean bench

## (editable_mode=compat: the package found through a .pth path entry rather than an import
## hook, which cost every start of the command line 10 ms)
EDITABLE := --config-settings editable_mode=compat
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check $(EDITABLE) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check $(EDITABLE) -e '.[test]'
	touch $@

## the compiled core (core/, Rust through PyO3, built by maturin as its own distribution);
## where cargo is missing the pipeline runs on its Python implementation alone
## It is stamped with a digest of the Python reference (pipeline/, schemas/) and not used once
## that changes: edit the reference, and `make` rebuilds it (the differential tests then say
## whether the core still reproduces it).
CORE_SOURCES := $(shell find core/src core/data -type f 2>/dev/null) core/Cargo.toml \
                core/Cargo.lock core/pyproject.toml
REFERENCE := $(shell find pipeline schemas -name '*.py' -o -name '*.json' 2>/dev/null)
$(VENV)/.core: $(VENV)/.installed $(CORE_SOURCES) $(REFERENCE)
	@if command -v cargo >/dev/null 2>&1; then \
	  echo "building the compiled core (first build: about a minute)"; \
	  PIPELINE_REFERENCE_DIGEST=$$($(PY) -c \
	    'from pipeline.defaults import reference_digest; print(reference_digest())') \
	  $(BIN)/pip install --quiet --disable-pip-version-check ./core && touch $@; \
	else \
	  echo "cargo not found: the compiled core is not built; running on the Python implementation"; \
	fi

install: $(VENV)/.installed $(VENV)/.core
install-test: $(VENV)/.installed-test $(VENV)/.core

## migrate input/ into output/ in every format (creates .venv on first use)
migrate: $(VENV)/.installed $(VENV)/.core
	$(PY) -m pipeline migrate input/ --out output/ --format jsonl,csv,markdown --target generic \
	    --assets input/.assets

## dry run over input/
validate: $(VENV)/.installed $(VENV)/.core
	$(PY) -m pipeline validate input/

## the whole test suite: the core's Rust unit tests and lints, then every Python test with the
## core in use and again with the Python implementation alone (PIPELINE_CORE=0)
test: $(VENV)/.installed-test $(VENV)/.core test-core
	$(PY) -m pytest -q
	PIPELINE_CORE=0 $(PY) -m pytest -q

test-core:
	@if command -v cargo >/dev/null 2>&1; then \
	  cd core && cargo fmt --check && cargo clippy --quiet --all-targets -- -D warnings \
	    && cargo clippy --quiet --features python -- -D warnings && cargo test --quiet; \
	else echo "cargo not found: Rust unit tests skipped"; fi

## regenerate the sample legacy documents in input/ (the seed is kept as it is), with a few
## documents of a legacy site (HTML answers, internal links, images) and its assets folder
samples: $(VENV)/.installed
	$(PY) -m pipeline.samples input/ -n $(SAMPLES) --site $(SITE_SAMPLES)

clean:
	rm -rf $(VENV) output/* .pytest_cache .hypothesis
	touch output/.gitkeep

## benchmark: the naive script, the I/O floor and the pipeline at N (default 20000); the floor
## and the pipeline alone at FLOOR_N (100000); peak memory at N and 10 x N; the engines (local,
## dask on a running cluster and on a LocalCluster, S3 to S3 with and without a killed worker)
N ?= 20000
FLOOR_N ?= 100000
ROUNDS ?= 3
bench: $(VENV)/.installed-test $(VENV)/.core
	$(PY) bench/run_bench.py --n $(N) --rounds $(ROUNDS)
	$(PY) bench/run_bench.py --n $(FLOOR_N) --rounds $(ROUNDS) --floor-only \
	    --out bench/out/results-floor.json
	$(PY) bench/run_bench.py --n $(N) --rounds $(ROUNDS) --rss-scale --out bench/out/results-rss.json
	$(PY) bench/engines.py --n $(N) --rounds $(ROUNDS) --s3
