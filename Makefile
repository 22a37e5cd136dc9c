# shopstack: one shop built twice. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPLOYABLES := chassis devstack monolith services/users services/catalog services/cart \
	services/orders services/payments gateway loadtest
REQUIREMENTS := requirements-dev.txt $(wildcard */requirements.txt services/*/requirements.txt) \
	$(wildcard */pyproject.toml services/*/pyproject.toml)

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/.installed: $(REQUIREMENTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps $(foreach d,$(DEPLOYABLES),$(if $(wildcard $(d)/pyproject.toml),-e $(d)))
	touch $@

.PHONY: install
install: $(BIN)/.installed ## Create the development virtualenv with every deployable in it

# The browser tests drive Debian's Chromium; never a browser download.
CHROMIUM := /usr/bin/chromium

.PHONY: chromium
chromium: ## Install Debian's Chromium for the browser tests, when it is missing (root or sudo)
	@if [ ! -x $(CHROMIUM) ]; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y chromium; \
	fi

# The gateway benchmark's throughput figures come from wrk (Debian's package).
.PHONY: wrk
wrk: ## Install Debian's wrk for the gateway benchmark, when it is missing (root or sudo)
	@if ! command -v wrk >/dev/null; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y wrk; \
	fi

# Tests that stop and restart a broker run a redis-server of their own (Debian's package).
.PHONY: redis-server
redis-server: ## Install Debian's redis-server for the broker-restart tests, when it is missing (root or sudo)
	@if ! command -v redis-server >/dev/null; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y redis-server; \
	fi

.PHONY: run
run: install ## Start both shops in the foreground: monolith :8000, gateway :8080 (Ctrl-C stops)
	$(BIN)/python -m devstack run all

.PHONY: run-monolith
run-monolith: install ## Start the monolith only, on :8000
	$(BIN)/python -m devstack run monolith

.PHONY: run-microservices
run-microservices: install ## Start the microservices and the gateway only, on :8080
	$(BIN)/python -m devstack run microservices

.PHONY: test
test: install chromium redis-server ## Run every test: units, services, the contract suite and the browser tests against both shops
	$(BIN)/pytest

.PHONY: containers-test
containers-test: install ## Build every image, run both shops from them (host network) and the contract suite against them (needs root)
	deploy/container-test.sh

.PHONY: up
up: ## docker compose: both shops with PostgreSQL, MongoDB and Redis (monolith :8000, gateway :8080)
	docker compose up --build --detach

.PHONY: down
down: ## docker compose: stop and remove the containers (volumes are kept)
	docker compose down

.PHONY: logs
logs: ## docker compose: follow every container's log
	docker compose logs --follow

.PHONY: bench-gateway
bench-gateway: install wrk ## Latency the gateway adds to one product read (median, p99), measured in one run
	$(BIN)/python -m loadtest bench-gateway

.PHONY: bench-monolith
bench-monolith: install wrk ## The monolith's product read and listing against its own /healthz (req/s, CPU per request), in one run
	$(BIN)/python -m loadtest bench-monolith

.PHONY: compare
compare: install ## Both shops side by side: every stage, report under reports/latest (QUICK=1: short; STORES=embedded; MONOLITH_URL=… GATEWAY_URL=…: remote)
	QUICK="$(QUICK)" STORES="$(STORES)" MIX="$(MIX)" MONOLITH_URL="$(MONOLITH_URL)" \
		GATEWAY_URL="$(GATEWAY_URL)" $(BIN)/python -m loadtest compare

.PHONY: bench-streams
bench-streams: install ## p50/p95 of product reads through the gateway with 0 and with 200 order-event streams open
	$(BIN)/python -m loadtest bench-streams

.PHONY: bench-tracing
bench-tracing: install ## Both shops with traces exported and not: throughput, p50, p99 of a read and a checkout
	$(BIN)/python -m loadtest bench-tracing

.PHONY: profile-saturation
profile-saturation: install ## Both shops saturated: CPU per process and requests per hop (USERS=8 DURATION=20 MIX= PROFILE_DIR=dir: py-spy)
	USERS="$(USERS)" DURATION="$(DURATION)" MIX="$(MIX)" STORES="$(STORES)" PROFILE_DIR="$(PROFILE_DIR)" \
		$(BIN)/python -m loadtest saturation

.PHONY: lint
lint: install ## ruff over the whole tree
	$(BIN)/ruff check .
