# drillbit: thin targets over the venv. `make test` and `make run` set themselves up.

# Python 3.12+ when the machine has it (Chaos Toolkit >= 1.21 needs it), else python3.
PY ?= $(or $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3.1[2-9])),$(shell command -v python3.12 2>/dev/null),python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the tests drive for real: the monitoring stack and a headless browser.
SYSTEM_BINARIES := prometheus prometheus-alertmanager chromium

.PHONY: install system-deps run test lint pytest bench compiled mutation loadtest gameday staging staging-stop clean chaos-safety

install: $(STAMP)

# chaosdrillbit is its own distribution (Chaos Toolkit discovers extensions by distribution).
# Byte-code is compiled up front (pip compiles what it copies, not editable sources): the
# first run of a command does not compile, nor does any run with PYTHONDONTWRITEBYTECODE set.
$(STAMP): pyproject.toml ext/chaosdrillbit/pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]' -e ext/chaosdrillbit
	$(BIN)/python -m compileall -q drillbit playbook simulator drills webui scenarios integrations ext/chaosdrillbit
	touch $(STAMP)

# Installs only what is missing; --no-install-recommends keeps node-exporter out.
system-deps:
	@missing=""; for b in $(SYSTEM_BINARIES); do command -v $$b >/dev/null 2>&1 || missing="$$missing $$b"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

run: install
	$(BIN)/drillbit serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# The tests (and coverage, and mutants) run the pure-Python simulator, never a mypyc build.
pytest: install system-deps
	DRILLBIT_SIMULATOR_COMPILED=0 $(BIN)/pytest -q -p no:locust

test: lint pytest

# Mutation testing, never part of `make test`: CPU-heavy, so at low priority (nice 15) with
# MUTATION_JOBS workers (2: about 1.5 h for every mutant on the shared 2-core machine).
# MUTANTS picks mutmut's mutant names (module globs); [tool.mutmut] in pyproject.toml says
# which files get mutants and which tests run. Figures: docs/mutation.md.
MUTANTS ?= playbook.* simulator.stats.* simulator.grouping.* drills.scoring.* drills.scorereport.*
MUTATION_JOBS ?= 2
mutation: install
	rm -rf mutants
	DRILLBIT_SIMULATOR_COMPILED=0 nice -n 15 $(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(foreach m,$(MUTANTS),'$(m)')
	$(BIN)/mutmut export-cicd-stats
	cat mutants/mutmut-cicd-stats.json
	$(BIN)/python bench/mutation_figures.py --equivalent docs/mutation.md

loadtest: install
	$(BIN)/python -m webui.load

# The simulator's hot modules compiled with mypyc into build/compiled/<digest of the sources>/
# (needs a C compiler); the simulator uses them only while the digest matches, and never
# with DRILLBIT_SIMULATOR_COMPILED=0. Rebuilds only when the sources changed.
compiled: install
	$(BIN)/python bench/build_compiled.py

# Each benchmark merges its own key into bench/results.json.
bench: install compiled
	$(BIN)/python bench/bench_simulator.py
	$(BIN)/python bench/bench_cli_startup.py
	$(BIN)/python bench/bench_hostile_yaml.py
	$(BIN)/python bench/bench_world.py

# The closing note's interrupt and allow-list tables (a few minutes; not part of make test).
chaos-safety: install system-deps
	$(BIN)/python bench/chaos_safety.py

gameday: install system-deps
	$(BIN)/drillbit gameday run scenarios/experiments/latency-injection.yaml --autopilot textbook

staging: install system-deps
	$(BIN)/python -m scenarios.stack up

staging-stop: install
	$(BIN)/python -m scenarios.stack down

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis mutants build/compiled
