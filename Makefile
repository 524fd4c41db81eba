# The two commands of the README. Both install what is missing first (scripts/setup.sh).
# Release builds take wasm-opt from there (see scripts/setup.sh).
export PATH := $(CURDIR)/target/wasm-opt/node_modules/.bin:$(PATH)

.PHONY: run test setup setup-test dev fmt lint schema bench-auth bench-ingest bench-queries bench-explorer bench-stress

run: setup
	./scripts/run.sh

# Style first (rustfmt, clippy on both builds): the quickest to fail. A one-shot build has no
# use for incremental state (gigabytes on a clean clone).
test: export CARGO_INCREMENTAL ?= 0
test: setup-test
	$(MAKE) lint
	./scripts/test.sh

setup:
	./scripts/setup.sh

setup-test:
	./scripts/setup.sh --test

# Development: rebuilds and reloads on every change.
dev: setup
	cargo leptos watch

fmt:
	cargo fmt

lint:
	cargo fmt --check
	cargo clippy --all-targets --features ssr -- -D warnings
	cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

# Benchmarks (figures in bench/README.md): not tests, never timed assertions.
bench-auth: setup
	./bench/auth.sh

bench-ingest: setup
	./bench/ingest.sh

bench-queries: setup
	./bench/queries.sh

bench-explorer: setup
	./bench/explorer.sh

bench-stress: setup-test
	./bench/stress.sh

# Regenerates src/schema.rs from the migrations (needs diesel_cli and a running database).
schema:
	diesel print-schema > src/schema.rs
