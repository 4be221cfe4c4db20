# Every target sets itself up: the first one run builds .venv and installs the project.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
IN     ?= fixtures/demo
OUT    ?= data
# an analyst's corrections file (.xlsx or .csv), applied on every run: make ingest CORRECTIONS=更正.xlsx
CORRECTIONS ?=

.PHONY: ingest report test lint format check-wheel fixtures bench ocr-accuracy clean

$(STAMP): pyproject.toml
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## ingest: read every submission under IN (default fixtures/demo, a season of five departments) into OUT (default data/), then write OUT/report.html
## (ROSTER=units.xlsx: the report lists the units on that roster that sent nothing; CORRECTIONS=F applies a corrections file)
## (the exit status stays ingest's: 1 when a file failed, after the report is written)
ingest: $(STAMP)
	rc=0; $(PY) -m pipeline ingest $(IN) --out $(OUT) $(if $(CORRECTIONS),--corrections "$(CORRECTIONS)") || rc=$$?; \
	if [ $$rc -le 1 ]; then $(PY) -m pipeline report $(OUT) --in $(IN) $(if $(ROSTER),--roster $(ROSTER)) || exit $$?; fi; exit $$rc

## report: OUT/report.html, the season in one offline page (PDF findings drawn from the files under IN)
report: $(STAMP)
	$(PY) -m pipeline report $(OUT) --in $(IN) $(if $(ROSTER),--roster $(ROSTER))

## test: the whole test suite
test: $(STAMP)
	$(PY) -m pytest -q

## lint: ruff check and format check
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## check-wheel: build the wheel, install it in a clean venv outside the checkout, ingest the season with it
check-wheel: $(STAMP)
	bash scripts/check-wheel.sh $(PY)

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## bench: time ingest against a bare table read of the same files, the report and workbook at 200 and 5,000 files (not run by CI)
bench: $(STAMP)
	$(PY) scripts/bench.py --sizes 50 200
	$(PY) scripts/bench_outputs.py --sizes 200
	$(PY) scripts/bench_report_scale.py --sizes 5000
	$(PY) scripts/bench_ray.py --sizes 200 1000

## ocr-accuracy: values of fixture and unseen scans exactly right, and wrong ones flagged (not run by CI)
ocr-accuracy: $(STAMP)
	$(PY) scripts/ocr_accuracy.py

## fixtures: rebuild the fixture documents and expected records (needs LibreOffice for the PDFs)
fixtures: $(STAMP)
	$(PY) fixtures/build.py
	$(PY) fixtures/build_web.py
	$(PY) fixtures/build_families.py
	$(PY) fixtures/build_hostile.py
	$(PY) fixtures/build_scans.py

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
