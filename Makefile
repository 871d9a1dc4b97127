# nqdoc — the two commands a newcomer needs:
#   make run    install everything (Debian packages, Python venv, model), ingest the
#               documents and serve the web page on http://127.0.0.1:8000
#   make test   install (if needed), lint (ruff, mypy) and run the default test suite
# Others: make test-slow (real model, OCR, LibreOffice renditions), make bench.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
NQDOC := $(VENV)/bin/nqdoc
CORPUS ?= $(shell if [ -d ../shared/corpus ]; then echo ../shared/corpus; else echo corpus; fi)
# A province's task tracker (JSONL rows: code, resolution, task, deadline, status), linked to the
# resolutions its rows name; imported by `make run` when present.
TRACKER ?= $(wildcard ../shared/tracking/provincial-tasks.jsonl)

.PHONY: install run test test-slow test-all bench lint

install:
	bash scripts/install.sh

run: install
	$(NQDOC) ingest $(CORPUS)
	$(if $(TRACKER),$(NQDOC) links --import-tracker $(TRACKER))
	$(NQDOC) serve

test: install
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest -n 2 -q

test-slow: install
	$(PY) -m pytest -q -m slow

test-all: install
	$(PY) -m pytest -q -m "slow or not slow"

bench: install
	$(NQDOC) bench ingest --out bench-output/ingest.json
	$(NQDOC) bench retrieval --out bench-output/retrieval.json

lint:
	$(VENV)/bin/ruff check ingest index service eval tests
	$(VENV)/bin/mypy ingest index service eval
