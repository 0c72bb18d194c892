# chatops.rocketchat: build, test and demo from nothing.
#
#   make test    everything CI runs (installs what it needs: slapd, .venv, .venv-oldest)
#   make demo    the demo (a sandboxed Rocket.Chat and a real slapd)
#   make help    every target
#
# The repository root is the collection root. Tools run from two venvs: .venv (Python 3.12, the
# newest ansible-core and every test tool) and .venv-oldest (Python 3.11, the oldest supported
# ansible-core, for the unit and integration tests). They are rebuilt only when a requirements
# file changes (DIR/.stamp).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# `make test` runs its steps in order and stops at the first failure, even under `make -j`.
.NOTPARALLEL:

PYTHON_NEWEST := 3.12
PYTHON_OLDEST := 3.11
VENV := .venv
VENV_OLDEST := .venv-oldest
# galaxy-importer with the ansible-lint and ansible-doc it runs (make test-importer).
VENV_IMPORTER := .venv-importer
# antsibull-docs and Sphinx (make docs).
VENV_DOCS := .venv-docs
# Left out of .venv-oldest: they need (and would pull in) the newest ansible-core.
NEWEST_ONLY_REQUIREMENTS := ansible-core ansible-lint molecule antsibull-changelog
space := $() $()

COLLECTION := chatops/rocketchat
GALAXY_VERSION = $(shell sed -n 's/^version: *//p' galaxy.yml)
# A tree where the collection is importable as ansible_collections.chatops.rocketchat (pytest,
# ansible-playbook, ansible-lint, ansible-doc): a symlink to the working tree.
COLLECTIONS_PATH := $(CURDIR)/build/collections
COLLECTION_LINK := $(COLLECTIONS_PATH)/ansible_collections/$(COLLECTION)
# ansible-test needs a real directory ending in ansible_collections/chatops/rocketchat; it gets the
# built and installed tarball, so sanity tests exactly what ships.
ANSIBLE_TEST_COLLECTION := $(CURDIR)/build/ansible-test/ansible_collections/$(COLLECTION)
DIST := $(CURDIR)/build/dist
DOCSITE := $(CURDIR)/build/docsite
REPORTS := $(CURDIR)/build/reports

# Options for `make sandbox`, e.g. SANDBOX_ARGS="--version 8.5.0 --license none --flavour ad".
SANDBOX_ARGS ?=
# Extra pytest options per suite. Integration tests run real ansible-playbook processes, so two
# workers (one per core) halve their time; --dist loadfile keeps a file's tests on one worker.
PYTEST_ARGS ?=
UNIT_PYTEST_ARGS ?=
CONTRACT_PYTEST_ARGS ?=
INTEGRATION_PYTEST_ARGS ?= -n 2 --dist loadfile
MOLECULE_SCENARIOS ?= default

# Environment for the Ansible tools of $(VENV).
ANSIBLE_ENV := ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS_PATH) PATH=$(CURDIR)/$(VENV)/bin:$$PATH

.PHONY: help
help:
	@echo "make test              unit, contract and integration tests (newest and oldest ansible-core),"
	@echo "                       ansible-test sanity, ansible-lint, ansible-doc, the release notes,"
	@echo "                       the docsite in headless Chromium, galaxy-importer on the built tarball, molecule"
	@echo "make demo              run the demo"
	@echo "make sandbox           start slapd and the Rocket.Chat sandbox in the background"
	@echo "                       (SANDBOX_ARGS=\"--version 8.5.0 --license none ...\"; see README.md)"
	@echo "make sandbox-stop      stop them"
	@echo "make venv              .venv and .venv-oldest (and slapd via apt-get when missing)"
	@echo "make oracles           the npm packages the tests compare with (tools/oracles/*)"
	@echo "make collection-tree   build/collections/ansible_collections/chatops/rocketchat -> ."
	@echo "make collection-build  build the collection tarball into build/dist/"
	@echo "make test-unit | test-contract | test-integration | test-sanity | test-lint |"
	@echo "     test-docs | test-changelog | test-docsite | test-importer | test-molecule"
	@echo "                       one step of make test"
	@echo "make docs              the docsite into build/docsite/html (antsibull-docs, Sphinx)"
	@echo "make changelog         fold changelogs/fragments into the release notes, regenerate CHANGELOG.md"
	@echo "make test-matrix       the support matrix: units on ansible-core 2.18-2.20, ansible-test sanity compile"
	@echo "                       and import on every claimed module Python (3.9-3.13) for 2.17-2.21 (step of make test)"
	@echo "make bench             the benchmarks of bench/ (not tests, not in make test; BENCH_N=1,10 picks"
	@echo "                       the fleet sizes; see bench/README.md)"
	@echo "make clean             remove build output (keeps the venvs); make distclean also the venvs"

# --- what the tests need ---------------------------------------------------------------------

.PHONY: system-deps venv
system-deps:
	@tools/system-deps.sh

venv: system-deps $(VENV)/.stamp $(VENV_OLDEST)/.stamp

$(VENV)/.stamp: requirements.txt tests/requirements.txt tools/make-venv.sh tools/find-python.sh
	tools/make-venv.sh $(VENV) $(PYTHON_NEWEST) -r requirements.txt -r tests/requirements.txt

$(VENV_OLDEST)/.stamp: requirements.txt tests/requirements.txt tools/requirements-oldest.txt tools/make-venv.sh tools/find-python.sh
	@mkdir -p build
	grep -v -E '^[[:space:]]*($(subst $(space),|,$(NEWEST_ONLY_REQUIREMENTS)))([^A-Za-z0-9_.-]|$$)' \
		tests/requirements.txt > build/requirements-oldest-tests.txt
	tools/make-venv.sh $(VENV_OLDEST) $(PYTHON_OLDEST) -r requirements.txt \
		-r build/requirements-oldest-tests.txt -r tools/requirements-oldest.txt

.PHONY: collection-tree collection-build collection-install
collection-tree:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn ../../../.. $(COLLECTION_LINK)
	@test -f $(COLLECTION_LINK)/galaxy.yml

collection-build: $(VENV)/.stamp
	rm -rf $(DIST)
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(DIST) .

collection-install: collection-build
	rm -rf $(CURDIR)/build/ansible-test
	$(VENV)/bin/ansible-galaxy collection install --offline --force \
		-p $(CURDIR)/build/ansible-test $(DIST)/chatops-rocketchat-*.tar.gz
	@# ansible-test lists files with git when inside a work tree: without a repository of its own the
	@# copy would be this (ignored) part of ours, and every target would be skipped.
	git init -q $(ANSIBLE_TEST_COLLECTION)

# --- make test ---------------------------------------------------------------------------------

.PHONY: test test-start test-unit test-contract test-integration test-sanity test-lint test-docs \
	test-changelog test-docsite test-importer test-molecule test-matrix

test: test-start test-unit test-contract test-integration test-sanity test-lint test-docs \
	test-changelog test-docsite test-importer test-molecule test-matrix
	@tools/test-summary.py $$(find $(REPORTS) -name '*.xml' | sort)

test-start: venv collection-tree oracles
	@rm -rf $(REPORTS) && mkdir -p $(REPORTS)

# The npm packages whose own answers the tests compare with (tools/oracles/*): limax, the slug library
# Rocket.Chat uses for usernames; rest-typings, Rocket.Chat's published request validators with qs,
# its query-string parser. `npm install --no-save` installs the locked versions without rewriting
# the lock (npm ci wants every platform's optional binaries in it).
ORACLES := tools/oracles/limax tools/oracles/rest-typings
.PHONY: oracles
oracles:
	@for oracle in $(ORACLES); do \
		if [[ ! -f $$oracle/node_modules/.stamp || $$oracle/package-lock.json -nt $$oracle/node_modules/.stamp ]]; then \
			echo "==> npm install ($$oracle)"; \
			(cd $$oracle && npm install --no-save --no-audit --no-fund --loglevel=error && touch node_modules/.stamp); \
		fi; \
	done

test-unit: venv collection-tree
	tools/run-pytest.sh unit $(VENV) tests/unit $(PYTEST_ARGS) $(UNIT_PYTEST_ARGS)
	tools/run-pytest.sh unit-oldest $(VENV_OLDEST) tests/unit $(PYTEST_ARGS) $(UNIT_PYTEST_ARGS)

test-contract: venv collection-tree oracles
	tools/run-pytest.sh contract $(VENV) tests/contract $(PYTEST_ARGS) $(CONTRACT_PYTEST_ARGS)

test-integration: venv collection-tree
	tools/run-pytest.sh integration $(VENV) tests/integration $(PYTEST_ARGS) $(INTEGRATION_PYTEST_ARGS)
	tools/run-pytest.sh integration-oldest $(VENV_OLDEST) tests/integration $(PYTEST_ARGS) $(INTEGRATION_PYTEST_ARGS)

# ansible-test downloads a pip bootstrap script from a host this build cannot reach: an offline
# stand-in goes where it looks for a cached copy first. --python: without it ansible-test tries
# every Python on PATH, pyenv shims included.
test-sanity: $(VENV)/.stamp collection-install
	@echo "==> ansible-test sanity (the built collection, Python $(PYTHON_NEWEST))"
	$(VENV)/bin/python tools/get_pip_standin.py --install
	cd $(ANSIBLE_TEST_COLLECTION) && $(ANSIBLE_ENV) ansible-test sanity --python $(PYTHON_NEWEST) --color no

# Offline, ansible-lint puts $$ANSIBLE_HOME/collections (default ~/.ansible) first on the collections
# path, where a stale installed copy of this collection would shadow the working tree.
test-lint: $(VENV)/.stamp collection-tree
	@echo "==> ansible-lint --profile production"
	ANSIBLE_HOME=$(CURDIR)/build/ansible-home-lint $(ANSIBLE_ENV) ansible-lint --offline --profile production --nocolor

test-docs: venv collection-tree
	@echo "==> every module: in the action group, ansible-doc renders it (newest and oldest ansible-core)"
	$(VENV)/bin/python tools/check_action_group.py
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS_PATH) $(VENV)/bin/python tools/check_module_docs.py
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS_PATH) $(VENV_OLDEST)/bin/python tools/check_module_docs.py

test-changelog: $(VENV)/.stamp
	@echo "==> antsibull-changelog lint; the release notes of galaxy.yml's version are current (CHANGELOG.md)"
	$(VENV)/bin/antsibull-changelog lint
	$(VENV)/bin/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/python tools/check_changelog.py

# Fold the fragments into the release notes of galaxy.yml's version (created, or updated until it is
# published) and regenerate CHANGELOG.md. New modules come from their version_added, the role and
# playbooks from "add object.role" / "add object.playbook" fragments.
.PHONY: changelog
changelog: $(VENV)/.stamp
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH antsibull-changelog release --version $(GALAXY_VERSION) \
		--update-existing --reload-plugins --refresh-plugins prevent-removal
	rm -f changelogs/.plugin-cache.yaml

# The docsite (antsibull-docs + Sphinx): every module, the role and docs/docsite's guides, into
# build/docsite/html. make test-docsite builds it with every Sphinx warning an error, checks every
# internal link, and opens the main pages in headless Chromium (Debian's package), keeping
# screenshots in build/docsite/screenshots/.
DOCS_SPHINX_OPTS ?= --keep-going
$(VENV_DOCS)/.stamp: tools/requirements-docs.txt tools/make-venv.sh tools/find-python.sh
	tools/make-venv.sh $(VENV_DOCS) $(PYTHON_NEWEST) -r tools/requirements-docs.txt

.PHONY: docs
docs: $(VENV_DOCS)/.stamp collection-tree
	tools/build-docsite.sh $(VENV_DOCS) $(COLLECTIONS_PATH) $(DOCSITE) $(DOCS_SPHINX_OPTS)

test-docsite: $(VENV_DOCS)/.stamp collection-tree
	@echo "==> the docsite: built with warnings as errors, links checked, main pages in headless Chromium"
	@tools/system-deps.sh chromium
	$(MAKE) --no-print-directory docs DOCS_SPHINX_OPTS="-W --keep-going"
	$(VENV_DOCS)/bin/python tools/check_docsite.py $(DOCSITE)/html $(DOCSITE)/screenshots

# galaxy-importer on the built tarball, as Galaxy runs it on upload (ansible-doc and ansible-lint from
# its venv; its ansible-test step needs containers and stays off). It exits 0 whatever it finds, so
# tools/check_importer.py fails on any warning or error in its log (build/importer/importer.log).
$(VENV_IMPORTER)/.stamp: tools/requirements-importer.txt tools/make-venv.sh tools/find-python.sh
	tools/make-venv.sh $(VENV_IMPORTER) $(PYTHON_NEWEST) -r tools/requirements-importer.txt

test-importer: $(VENV_IMPORTER)/.stamp collection-build
	@echo "==> galaxy-importer on the built collection"
	PATH=$(CURDIR)/$(VENV_IMPORTER)/bin:$$PATH $(VENV_IMPORTER)/bin/python tools/check_importer.py \
		$(DIST)/chatops-rocketchat-$(GALAXY_VERSION).tar.gz $(CURDIR)/build/importer

# Molecule scenarios that run here (the docker scenario needs Docker, which CI machines lack).
# Their own ANSIBLE_HOME: molecule installs the collection there, and a copy in ~/.ansible would
# shadow the working tree for later runs.
test-molecule: $(VENV)/.stamp collection-tree
	@if [[ ! -d extensions/molecule ]]; then echo "skipped: no extensions/molecule"; exit 0; fi; \
	for scenario in $(MOLECULE_SCENARIOS); do \
		echo "==> molecule test -s $$scenario"; \
		ANSIBLE_HOME=$(CURDIR)/build/ansible-home-molecule ANSIBLE_PYTHON_INTERPRETER=$(CURDIR)/$(VENV)/bin/python \
			NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1 $(ANSIBLE_ENV) molecule test -s $$scenario; \
	done

# The support matrix (tools/matrix/run.sh): the ansible-core versions between the oldest (.venv-oldest)
# and the newest (.venv) get a small venv each (.venv-matrix-X.Y: ansible-core X.Y, the runtime and
# test libraries) and run the unit tests; every version runs ansible-test sanity compile and import
# on each module Python the collection claims (tests/config.yml) that it supports. Two at a time.
MATRIX_VERSIONS := 2.18 2.19 2.20
# The controller Python of each matrix venv (one that ansible-core version supports).
MATRIX_PYTHON_2.18 := 3.13
MATRIX_PYTHON_2.19 := 3.13
MATRIX_PYTHON_2.20 := 3.12
# tests/config.yml: python_requires '>=3.9'; the newest Python installed here is 3.13.
MATRIX_MODULE_PYTHONS := 3.9 3.10 3.11 3.12 3.13
MATRIX_ENTRIES := 2.17:$(VENV_OLDEST):no $(foreach v,$(MATRIX_VERSIONS),$(v):.venv-matrix-$(v):yes) 2.21:$(VENV):no

.venv-matrix-%/.stamp: tools/matrix/requirements-%.txt requirements.txt tests/requirements.txt tools/make-venv.sh tools/find-python.sh
	@mkdir -p build
	grep -v -E '^[[:space:]]*($(subst $(space),|,$(NEWEST_ONLY_REQUIREMENTS)))([^A-Za-z0-9_.-]|$$)' \
		tests/requirements.txt > build/requirements-matrix-$*-tests.txt
	tools/make-venv.sh .venv-matrix-$* $(MATRIX_PYTHON_$*) -r requirements.txt \
		-r build/requirements-matrix-$*-tests.txt -r tools/matrix/requirements-$*.txt

.PHONY: test-matrix
test-matrix: venv $(foreach v,$(MATRIX_VERSIONS),.venv-matrix-$(v)/.stamp) collection-tree collection-install
	@echo "==> the support matrix (ansible-core 2.17-2.21 x Python $(MATRIX_MODULE_PYTHONS))"
	tools/matrix/run.sh $(ANSIBLE_TEST_COLLECTION) "$(MATRIX_MODULE_PYTHONS)" $(MATRIX_ENTRIES)

# --- sandbox and demo --------------------------------------------------------------------------

.PHONY: sandbox sandbox-stop demo
sandbox: system-deps $(VENV)/.stamp
	$(VENV)/bin/python -m tests.sandbox start $(SANDBOX_ARGS)

# sandbox-stop takes the --state-dir of the same SANDBOX_ARGS as `make sandbox` (the start flags are ignored)
SANDBOX_STATE_ARGS = $(shell prev=; for a in $(SANDBOX_ARGS); do [ "$$prev" = --state-dir ] && echo "--state-dir $$a"; case "$$a" in (--state-dir=*) echo "$$a" ;; esac; prev=$$a; done)
sandbox-stop: $(VENV)/.stamp
	$(VENV)/bin/python -m tests.sandbox stop $(SANDBOX_STATE_ARGS)

demo: venv collection-tree
	@ANSIBLE_PYTHON_INTERPRETER=$(CURDIR)/$(VENV)/bin/python SANDBOX_ARGS="$(SANDBOX_ARGS)" \
		$(ANSIBLE_ENV) tools/demo.sh

# --- benchmarks (bench/README.md): never part of `make test` -------------------------------------

# Fleet sizes of bench_fleet.py (workspaces); the full run takes a while.
BENCH_N ?= 1,10,50,100
.PHONY: bench
bench: $(VENV)/.stamp collection-tree
	$(VENV)/bin/python bench/bench_fleet.py --sizes "$(BENCH_N)"
	$(VENV)/bin/python bench/bench_sync.py
	$(VENV)/bin/python bench/bench_check.py

# --- cleaning ----------------------------------------------------------------------------------

.PHONY: clean distclean
clean:
	@if [[ -f .sandbox/env.json && -x $(VENV)/bin/python ]]; then $(MAKE) --no-print-directory sandbox-stop; fi
	rm -rf build tests/output .sandbox .pytest_cache
	find . -path './.venv*' -prune -o -name node_modules -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(VENV_OLDEST) $(VENV_IMPORTER) $(VENV_DOCS) $(foreach v,$(MATRIX_VERSIONS),.venv-matrix-$(v))
