# marketo-admin. `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test bench lint format install install-test system-deps migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamps re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

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
	$(BIN)/hadolint docker/Dockerfile
	docker-compose --env-file docker/example.env -f docker/compose.yaml config --quiet

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# pytest-xdist: most of the suite's time is spent waiting (servers starting, workers
# recovering, the sandbox's latency), so two workers finish in about half the time even on
# two cores. PYTEST_WORKERS=0 runs everything in this process.
PYTEST_WORKERS ?= 2
test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m pytest tests/benchmarks -p no:randomly -o addopts="" -s $(PYTEST_ARGS); \
	  status=$$?; [ $$status -eq 5 ] && echo "No benchmarks yet." && exit 0; exit $$status

clean:
	rm -rf $(VENV) var
