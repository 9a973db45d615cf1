# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SPARK_STAMP := $(VENV)/.spark-installed-stamp
# The demo's key: LOLA_PSEUDONYM_KEY when set, else a local key file made once (never committed: .lola/ is ignored).
DEMO_KEY := .lola/key
# The demo's open-data release (contract §5), made from the analysts' copy at the end of `make demo`.
DEMO_RELEASE := release

.PHONY: demo test test-spark bench bench-nightly dev docs clean
# `make bench SIZES=2000,100000`: the statement counts of the scale benchmark (bench/scale.py)
SIZES ?= 100000,1000000,5000000

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@# compat mode: a path entry, so a user's warehouse/ output folder can never shadow the warehouse package
	$(BIN)/pip install -qq --disable-pip-version-check -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

# The Spark target's extra (dbt-spark in session mode, pyspark), on top of the test install; Java 17 must be there.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install -qq --disable-pip-version-check -e '.[test,spark]' --config-settings editable_mode=compat
	touch $(SPARK_STAMP)

$(DEMO_KEY):
	@mkdir -p $(dir $@)
	@(umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@)
	@echo "make: created a local pseudonymization key in $@ (mode 0600); export LOLA_PSEUDONYM_KEY to use your own"

demo: $(STAMP)
	@if [ -z "$$LOLA_PSEUDONYM_KEY" ]; then $(MAKE) --no-print-directory $(DEMO_KEY); fi
	@export LOLA_PSEUDONYM_KEY="$${LOLA_PSEUDONYM_KEY:-$$(cat $(DEMO_KEY))}" && \
	  $(BIN)/lola generate --out data && \
	  $(BIN)/lola refresh --all && \
	  echo && $(BIN)/lola summary && \
	  echo && $(BIN)/lola release --out $(DEMO_RELEASE) && \
	  echo "  open $(DEMO_RELEASE)/datasheet.md: what the open-data release holds and how it was anonymized" && \
	  echo && $(BIN)/lola report

test: $(STAMP)
	@# The integration tests' real Ralph LRS lives in its own venv (.venv-ralph), made once, before the tests run.
	$(BIN)/python -c 'from tests.lrs.ralph import ralph_python; ralph_python()'
	$(BIN)/python -m pytest

test-spark: $(SPARK_STAMP)
	@# the dbt models built on a local Spark from a DuckDB warehouse's Parquet export, compared cell for cell (minutes)
	$(BIN)/python -m pytest -m spark tests/warehouse/test_spark.py

bench: $(STAMP)
	@# long: the 5M size alone takes tens of minutes; progress is printed, the table goes into bench/README.md
	$(BIN)/python bench/scale.py --sizes $(SIZES)

bench-nightly: $(STAMP)
	@# one new day on top of 7, 30 and 90 days of history (bench/nightly.py); the table goes into bench/README.md
	$(BIN)/python bench/nightly.py

dev: $(STAMP)
	@export LOLA_PSEUDONYM_KEY="$${LOLA_PSEUDONYM_KEY:-$$(cat $(DEMO_KEY) 2>/dev/null)}" && $(BIN)/lola dev

docs: $(STAMP)
	@# the data dictionary, generated from the models' YAML (warehouse/registry.py); a test fails when it is stale
	$(BIN)/python -m warehouse.registry

clean:
	@# the analysts' copy is read-only: its folders must be made writable before their files can go
	@chmod -R u+w warehouse/published 2>/dev/null || true
	rm -rf data $(DEMO_RELEASE) warehouse/*.duckdb warehouse/*.wal warehouse/*.lock warehouse/published .dagster .lola/dbt
