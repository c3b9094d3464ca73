# The front door. `make up` runs the platform; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ROLE ?= bureau_officer
CITY ?= 350100

.PHONY: help up down test e2e bench openapi openapi-check charts lint dev-token

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

up: ## Install what is missing, start everything, seed the demo city (Fuzhou)
	@scripts/up.sh

down: ## Stop what `make up` started
	@scripts/down.sh

test: ## Every test (unit, integration, e2e) against real Postgres, Redis and Tansu
	@scripts/test.sh

e2e: ## Only the whole-mesh tests
	@scripts/test.sh -p e2e

bench: ## Benchmarks: public reads, outbox, delivery, verification, matching, claims paid, dashboard
	@scripts/bench.sh

OPENAPI_TEST = cargo test --workspace --test service --test mesh the_checked_in_

openapi: ## Regenerate openapi/ and docs/authorization.md from the code
	UPDATE_OPENAPI=1 $(OPENAPI_TEST)

openapi-check: ## Fail if openapi/ or docs/authorization.md differ from the code, or a document is invalid or unfit
	@scripts/openapi-check.sh

charts: ## Lint, render and validate the Helm charts
	@scripts/charts.sh

lint: ## Formatting and clippy, warnings as errors
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

dev-token: ## Print a token signed by the local key: make dev-token ROLE=auditor CITY=350100 [ORG=...] [SUB=...] [SCOPE=...]
	@cargo run -q -p demand-catalog -- dev-keys --dir .run/keys >/dev/null
	@cargo run -q -p demand-catalog -- --config config/local/demand-catalog.toml dev-token --role $(ROLE) $(if $(filter trainee province,$(ROLE)),,--city $(CITY)) $(if $(ORG),--org $(ORG)) $(if $(SUB),--sub $(SUB)) $(if $(SCOPE),--scope "$(SCOPE)")
