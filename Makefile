# Two commands: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test install lint docs bench clean browser services

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[test]' 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	$(BIN)/python -c "import transcaspian, pytest, simpy" && touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/transcaspian scenario validate baseline-2024 target-2030 --strict
	$(BIN)/transcaspian scenario show baseline-2024
	$(BIN)/transcaspian report baseline-2024 -o out/report.html
	@echo "The report for baseline-2024 is in out/report.html (open file://$(CURDIR)/out/report.html)"
	$(BIN)/transcaspian plan target-2030 --target-mt 10 --year 2030 -o out/plan
	$(BIN)/transcaspian report target-2030 --plan out/plan --simulate 0 -o out/report-plan.html
	@echo "The plan for 10 Mt in 2030 is in out/plan; its report in out/report-plan.html"

# Headless Chromium for the report's browser and PDF tests and `report --pdf`, and poppler-utils
# (pdftotext, pdfinfo) for the PDF test (Debian packages).
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	command -v pdftotext >/dev/null || (apt-get update && apt-get install -y --no-install-recommends poppler-utils)

# PostgreSQL server binaries for the job store's tests, which start their own server (Debian package).
services:
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update && \
		apt-get install -y --no-install-recommends postgresql)

# ruff, then the layer contract of pyproject.toml [tool.importlinter] (a wrong import fails CI).
lint: install
	$(BIN)/ruff check transcaspian tests benchmarks
	$(BIN)/lint-imports --no-cache

test: install lint browser services
	$(BIN)/python -m pytest -q

docs: install
	$(BIN)/transcaspian scenario schema --markdown > docs/schema.md
	$(BIN)/transcaspian scenario sources baseline-2024 target-2030 -o docs/data-sources.md
	$(BIN)/transcaspian results -o docs/results.md
	$(BIN)/transcaspian calibrate baseline-2024 --observed builtin --replications 4 --seed 1 \
		--write-table docs/calibration.md > /dev/null

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
