# The two commands of the README:
#   make run   - the main job: load samples/ -> dbt build -> dbt docs generate
#   make test  - every test: ruff, mypy, sqlfluff, pytest (incl. dbt build on
#                the sample logs against the embedded Postgres, and the same
#                build on Apache Spark compared with it: installs .venv-spark)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint pytest docs bench clean db-stop

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

run: install
	$(BIN)/python -m loader run

lint: install
	$(BIN)/ruff check loader
	$(BIN)/mypy loader
	$(BIN)/sqlfluff lint models tests $(wildcard analyses/*.sql) --processes 2

pytest: install spark-install
	$(BIN)/python -m pytest loader/tests

test: lint pytest

docs: install
	$(BIN)/python -m loader dbt docs generate --static

bench: install
	$(BIN)/python -m loader bench --events 1000000

db-stop: install
	$(BIN)/python -m loader db stop

clean:
	rm -rf target logs .pytest_cache .mypy_cache .ruff_cache

# Apache Spark (issue #9): a separate virtualenv (dbt-spark + pyspark next to
# everything in requirements.txt); needs Java 17. `make test` installs it:
# loader/tests/test_engines.py builds the samples on Spark and compares.
SPARK_VENV := .venv-spark
SPARK_BIN := $(SPARK_VENV)/bin

.PHONY: spark-install spark-build test-spark

spark-install: $(SPARK_VENV)/.installed

$(SPARK_VENV)/.installed: requirements-spark.txt
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_BIN)/pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	touch $@

spark-build: spark-install
	$(SPARK_BIN)/python -m loader.spark_build samples/

# build on Spark, then compare with the Postgres marts (after `make run`)
test-spark: spark-build
	$(SPARK_BIN)/python -m loader.engine_compare
