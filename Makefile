# copydesk — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BYTECODE := $(VENV)/.compiled
BUILT    := $(VENV)/.built
SOURCES  := $(wildcard copydesk/*.py copydesk/*/*.py copydesk/*/*/*.py)
DB     ?= $(or $(COPYDESK_DB),copydesk.duckdb)
PORT   ?= 8501

.PHONY: install run demo test bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

# The package's bytecode, written here: an editable install leaves it to the interpreter, which
# does not write it where PYTHONDONTWRITEBYTECODE is set (as on our CI machines) and then compiles
# every module again at every start (0.15-0.3 s of each `copydesk` command). A source newer than
# its bytecode is compiled again here (and, until then, in memory at its import, as before).
$(BYTECODE): $(BUILT) $(SOURCES)
	$(BIN)/python -m compileall -q copydesk
	touch $(BYTECODE)

# The package, installed editable; this also builds the fast path's match and the quality signals in C
# (copydesk/_fastmeta.c, copydesk/_fastsignals.c) in place, and again when their sources change.
# Without a C compiler the install goes on without them (the Python then reads every page and
# computes the signals: a 20k import takes ~1.3x as long).
$(BUILT): $(STAMP) copydesk/_fastmeta.c copydesk/_fastsignals.c
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . || \
	  $(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(BUILT)

install: $(STAMP) $(BUILT) $(BYTECODE)

demo: install
	$(BIN)/copydesk demo --db $(DB)

run: demo
	COPYDESK_DB=$(DB) $(BIN)/python -m copydesk.serve --server.port $(PORT) --server.headless true

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
	find copydesk -name __pycache__ -prune -exec rm -rf {} +
	rm -rf build copydesk/*.so
