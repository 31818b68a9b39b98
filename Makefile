# sre.remediation -- the two commands of the README are `make demo` and `make test`.
# Everything else here is a step of those two.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PATH := $(BIN):$(PATH)
export CONTAINERS_CONF := $(ROOT)/tests/lab/containers.conf
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export ANSIBLE_FORCE_COLOR := false
export PY_COLORS := 0
LAB := $(ROOT)/tests/lab/lab
OS_PACKAGES := podman runc debootstrap uidmap rsync openssh-client iproute2 git
SANITY_DIR := $(or $(TMPDIR),/tmp)/sre-remediation-sanity/ansible_collections/sre/remediation
BUILD_DIR := $(ROOT)/tests/output/build
ROLES_WITH_MOLECULE := $(patsubst roles/%/molecule/default/molecule.yml,%,$(wildcard roles/*/molecule/default/molecule.yml))
# The demo breaks the two Logtail lab hosts (lab double), then runs playbooks/fix-logtail.yml on them.
DEMO_PLAYBOOK ?= tests/lab/demo-logtail.yml

.PHONY: help setup os-deps venv link image lab-up lab-down lab-status lab-fresh lab-down-check demo test lint \
        unit sanity molecule integration build bench clean

help:
	@echo "make demo   - set up everything, start the lab, run $(DEMO_PLAYBOOK) and show the report"
	@echo "make test   - everything CI runs (lint, unit, sanity, molecule, integration)"
	@echo "steps: setup os-deps venv image lab-up lab-down lab-status lint unit sanity molecule integration build bench"

setup: os-deps venv

os-deps:
	@missing=""; for p in $(OS_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing OS packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

venv: $(VENV)/.stamp link

$(VENV)/.stamp: requirements-dev.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

link:
	@mkdir -p .collections/ansible_collections/sre
	@ln -sfn ../../.. .collections/ansible_collections/sre/remediation

image: setup
	$(ROOT)/tests/lab/build-image.sh

lab-up: image
	$(LAB) up

lab-down:
	$(LAB) down

lab-status:
	$(LAB) status

demo: lab-up
	ansible-playbook $(DEMO_PLAYBOOK)
	@echo; echo "Reports written under reports/ (latest-*.json, *.md)."

lint: venv
	ruff check .
	yamllint -s .
	ansible-lint --profile production

unit: venv
	python -m pytest -q tests/unit

# ansible-test sanity on exactly what users install: the built collection, extracted under an
# ansible_collections/ path outside this git tree. ansible-test's pip bootstrap script comes from a
# host this workplace cannot reach, so its cache slot gets tests/sanity/get_pip_offline.py.
sanity: build
	rm -rf $(SANITY_DIR) && mkdir -p $(SANITY_DIR)
	tar -xzf $(BUILD_DIR)/sre-remediation-*.tar.gz -C $(SANITY_DIR)
	@pipv=$$(python -c "import ansible_test, os, re; p = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py'); print(re.search(r\"pip='([0-9.]+)'\", open(p).read()).group(1))"); \
	  mkdir -p ~/.ansible/test/cache; cp tests/sanity/get_pip_offline.py ~/.ansible/test/cache/get_pip_$${pipv//./_}.py
	cd $(SANITY_DIR) && ansible-test sanity --venv --python 3.11 --color no

# Molecule builds its own Ansible configuration and installs this collection from the working tree;
# the project's ansible.cfg (whose first collection path is the .collections link) must stay out of it.
molecule: image
	@for role in $(ROLES_WITH_MOLECULE); do \
	  echo "== molecule test: $$role"; \
	  (cd roles/$$role && env -u ANSIBLE_CONFIG molecule test) || exit 1; \
	done

integration: lab-up
	python -m pytest -q -m lab tests/integration

# CI: start from a fresh lab (a running one may carry doubles from an older tree), and prove that
# `lab down` leaves nothing behind.
lab-fresh: image
	$(LAB) down
	$(LAB) up

lab-down-check:
	$(LAB) down

build: venv
	rm -rf $(BUILD_DIR) && mkdir -p $(BUILD_DIR)
	ansible-galaxy collection build --force --output-path $(BUILD_DIR) .

bench: venv
	@for b in bench/bench_*.py; do python $$b; done

test: setup lint unit sanity molecule lab-fresh integration lab-down-check
	@echo "make test: all checks passed"

clean: lab-down
	rm -rf tests/output reports/*.json reports/*.md
