# Two commands on a fresh machine: `make demo` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.songflow-installed
MADMOM := $(VENV)/.songflow-madmom

.PHONY: setup demo test chromium clean

setup: $(STAMP)

# torch first, pinned to the CPU build (an unpinned torch pulls GBs of CUDA packages),
# then the project under the pinned, proven dependency set in constraints.txt.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test,bench]'
	touch $@

# The tests also cover the opt-in madmom beat tracker (its models: CC BY-NC-SA 4.0, non-commercial).
$(MADMOM): $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test,bench,madmom]'
	touch $@

demo: setup
	$(BIN)/songflow demo

# The UI screenshot test drives Debian's Chromium (installed here when missing, as root).
test: setup $(MADMOM) chromium
	$(BIN)/python -m pytest -q

chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

clean:
	rm -rf $(VENV) outputs/*/
