# Two commands on a fresh machine: `make migrate`, then `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
SAMPLES ?= 40

.PHONY: install install-test migrate validate test samples clean bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## migrate input/ into output/ in every format (creates .venv on first use)
migrate: $(VENV)/.installed
	$(PY) -m pipeline migrate input/ --out output/ --format jsonl,csv,markdown --target generic

## dry run over input/
validate: $(VENV)/.installed
	$(PY) -m pipeline validate input/

## the whole test suite
test: $(VENV)/.installed-test
	$(PY) -m pytest -q

## regenerate the sample legacy documents in input/ (the seed is kept as it is)
samples: $(VENV)/.installed
	$(PY) -m pipeline.samples input/ -n $(SAMPLES)

clean:
	rm -rf $(VENV) output/* .pytest_cache .hypothesis
	touch output/.gitkeep

## benchmark against the naive script (N documents, default 20000)
N ?= 20000
ROUNDS ?= 3
bench: $(VENV)/.installed-test
	$(PY) bench/run_bench.py --n $(N) --rounds $(ROUNDS)
