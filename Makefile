# marketo-admin. `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test bench screenshots lint format install install-test lock system-deps migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The lock: requirements/base.txt (what the product runs on, and the Docker image installs)
# and requirements/test.txt (that plus the test extras, at the same versions), pinned and
# hashed from pyproject.toml by `make lock`. uv installs them; it comes from PyPI, kept beside
# the environment so that syncing the environment to the lock leaves it alone.
UV_VERSION := 0.13.9
UV := $(VENV)/uv/bin/uv
UV_PIP := $(UV) pip --quiet
LOCK_CHECK := $(UV_PIP) check --python $(BIN)/python \
	|| { echo "pyproject.toml asks for what the lock lacks: run make lock" >&2; exit 1; }
$(VENV)/uv/.uv-$(UV_VERSION): | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --target $(VENV)/uv uv==$(UV_VERSION)
	touch $@

# The stamps re-install when the lock or pyproject.toml changes: the environment becomes
# exactly the lock, the project goes in editable, and `pip check` fails when pyproject.toml
# asks for anything the lock lacks.
$(VENV)/.installed: requirements/base.txt pyproject.toml | $(VENV)/uv/.uv-$(UV_VERSION)
	$(UV_PIP) sync --python $(BIN)/python --require-hashes requirements/base.txt
	$(UV_PIP) install --python $(BIN)/python --no-deps -e .
	$(LOCK_CHECK)
	touch $@

$(VENV)/.installed-test: requirements/test.txt pyproject.toml | $(VENV)/uv/.uv-$(UV_VERSION)
	$(UV_PIP) sync --python $(BIN)/python --require-hashes requirements/test.txt
	$(UV_PIP) install --python $(BIN)/python --no-deps -e .
	$(LOCK_CHECK)
	touch $@ $(VENV)/.installed

# Pins pyproject.toml's dependencies anew, keeping every pin that still fits. To upgrade:
# `make lock LOCK_ARGS="--upgrade-package django"` (one package), `LOCK_ARGS=--upgrade` (all).
LOCK := compile --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock"
lock: | $(VENV)/uv/.uv-$(UV_VERSION)
	$(UV_PIP) $(LOCK) $(LOCK_ARGS) pyproject.toml -o requirements/base.txt
	$(UV_PIP) $(LOCK) $(LOCK_ARGS) pyproject.toml --extra test \
	  --constraints requirements/base.txt -o requirements/test.txt

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test system-deps

# Debian packages the tests use: Chromium for the browser tests, docker-compose to validate
# the compose file (no Docker engine is needed for `config`).
# When another apt-get or dpkg runs (unattended-upgrades on a fresh machine), wait for it, up
# to 10 minutes, instead of failing: `install` waits for the dpkg lock by itself given
# DPkg::Lock::Timeout, but `update` (apt 2.6) fails at once on the package lists' lock, with
# or without it, so it is tried again every 10 s while that lock is held.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    tries=60; \
	    until out=$$(apt-get -o DPkg::Lock::Timeout=600 update -qq 2>&1); do \
	      case "$$out" in *"Could not get lock"*) ;; *) echo "$$out" >&2; exit 1;; esac; \
	      tries=$$((tries - 1)); [ $$tries -gt 0 ] || { echo "$$out" >&2; exit 1; }; \
	      echo "Waiting for another apt-get to finish..."; sleep 10; \
	    done; \
	    DEBIAN_FRONTEND=noninteractive \
	      apt-get -o DPkg::Lock::Timeout=600 install -y -qq $$missing >/dev/null; \
	  else \
	    echo "The tests need these Debian packages: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

migrate: install
	$(BIN)/python manage.py migrate --no-input

run: migrate
	@$(BIN)/python manage.py seed_demo
	@$(BIN)/python manage.py run_embedded --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/hadolint docker/Dockerfile
	docker-compose --env-file docker/example.env -f docker/compose.yaml config --quiet

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# pytest-xdist: most of the suite's time is spent waiting (servers starting, workers
# recovering, the sandbox's latency), so more workers than cores still help: on two cores,
# one process took 584 s, two workers 354 s, three 325 s. PYTEST_WORKERS=0 runs everything
# in this process.
PYTEST_WORKERS ?= 3
test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m pytest tests/benchmarks -p no:randomly -o addopts="" -s $(PYTEST_ARGS); \
	  status=$$?; [ $$status -eq 5 ] && echo "No benchmarks yet." && exit 0; exit $$status

# The review gallery: every page at 1366 px and 375 px, from a demo of its own (see the tool).
screenshots: install-test
	$(BIN)/python tools/screenshots.py $(SCREENSHOTS_ARGS)

clean:
	rm -rf $(VENV) var
