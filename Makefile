# Sitrep developer tasks. Targets that build run scripts/setup.sh first, which installs
# only what is missing (wasm32 target, wasm-bindgen CLI matching Cargo.lock, ...).
#
#   make run          build (debug) and serve on http://127.0.0.1:3000 with demo data
#   make run-release  the same with release builds
#   make build        build the debug site (target/debug/sitrep + target/site/)
#   make release      build the release site (target/release/sitrep + target/site/)
#   make test         everything CI checks: fmt, clippy, unit + server tests, e2e
#   make e2e          build (debug) + Playwright only
#   make fuzz         API fuzz run (schemathesis) from the OpenAPI document, real server
#   make lint         rustfmt check + clippy (make clippy: clippy only)
#   make fmt          format the code
#   make watch        cargo leptos watch (needs cargo-leptos 0.3.10 installed)
#   make bench        first-load, fan-out (1,000 and 10,000 SSE subscribers), then bench-reads
#   make bench-first-load  what a first visit to each screen downloads (release, brotli)
#   make bench-reads  req/s, p99 and size of the common reads at 100 and 100,000 incidents
#   make clean-data   delete the local SQLite database (data/)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Tools installed by `cargo install` (wasm-bindgen) live here; make sure they are found.
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CARGO_BIN):$(PATH)

# Taken from the environment (or `make run DATABASE_URL=...`); these are the defaults.
# They are handed to the server only: DATABASE_URL in particular must not leak into
# cargo (sqlx macros would try to connect to it at compile time).
SITREP_ADDR ?= 127.0.0.1:3000
DATABASE_URL ?= sqlite://data/sitrep.db
SITREP_TEST_POSTGRES_URL ?= postgres://127.0.0.1:5432/test

# How `make run` starts the server (same bundle location as cargo-leptos would set).
SERVE_ENV := SITREP_ADDR='$(SITREP_ADDR)' DATABASE_URL='$(DATABASE_URL)' \
	LEPTOS_OUTPUT_NAME=sitrep LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg

# The checks, shared by `make test`, `make lint` and friends.
FMT_CHECK := cargo fmt --all -- --check
CLIPPY_APP_SSR := cargo clippy -p app --features ssr --all-targets -- -D warnings
CLIPPY_APP_HYDRATE := cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings
CLIPPY_FRONTEND := cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
CLIPPY_SERVER := cargo clippy -p server --all-targets -- -D warnings
CLIPPY_TOOLS := cargo clippy -p wasm-split -- -D warnings
UNIT_TEST := cargo test -p app --features ssr
SERVER_TEST := env SITREP_TEST_POSTGRES_URL='$(SITREP_TEST_POSTGRES_URL)' cargo test -p server

.PHONY: help setup run run-release build release test e2e fuzz lint clippy fmt bench bench-first-load bench-reads clean-data watch

help:
	@sed -n '4,17p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

setup:
	scripts/setup.sh

# --- run -------------------------------------------------------------------------------

run: setup
	scripts/build.sh debug
	$(SERVE_ENV) target/debug/sitrep serve --seed-demo

run-release:
	scripts/setup.sh --release
	scripts/build.sh release
	$(SERVE_ENV) target/release/sitrep serve --seed-demo

# --- build -----------------------------------------------------------------------------

build: setup
	scripts/build.sh debug

release:
	scripts/setup.sh --release
	scripts/build.sh release

# --- checks ----------------------------------------------------------------------------

# Everything CI checks, in this order, stopping at the first failure. One shell runs all
# steps so the total time is reported even when a step fails (and so `make -n test` only
# prints the recipe).
test:
	@start=$$(date +%s); \
	trap 'rc=$$?; elapsed=$$(( $$(date +%s) - start )); \
		if [ $$rc -eq 0 ]; then echo "make test: all checks passed in $$elapsed s"; \
		else echo "make test: FAILED (exit $$rc) after $$elapsed s" >&2; fi' EXIT; \
	step() { echo "==> $$*"; "$$@"; }; \
	step scripts/setup.sh --browser --postgres; \
	step $(FMT_CHECK); \
	step $(CLIPPY_APP_SSR); \
	step $(CLIPPY_APP_HYDRATE); \
	step $(CLIPPY_FRONTEND); \
	step $(CLIPPY_SERVER); \
	step $(CLIPPY_TOOLS); \
	step scripts/check-bundle.sh; \
	step $(UNIT_TEST); \
	step $(SERVER_TEST); \
	step scripts/build.sh debug; \
	step env FUZZ_NO_BUILD=1 scripts/fuzz.sh; \
	echo "==> cd end2end && npx playwright test"; \
	(cd end2end && npx playwright test)

e2e:
	scripts/setup.sh --browser
	scripts/build.sh debug
	cd end2end && npx playwright test

# The server binary, then schemathesis (installed once into target/fuzz-venv) against it.
fuzz:
	scripts/fuzz.sh

lint: setup
	$(FMT_CHECK)
	$(CLIPPY_APP_SSR)
	$(CLIPPY_APP_HYDRATE)
	$(CLIPPY_FRONTEND)
	$(CLIPPY_SERVER)
	$(CLIPPY_TOOLS)

clippy: setup
	$(CLIPPY_APP_SSR)
	$(CLIPPY_APP_HYDRATE)
	$(CLIPPY_FRONTEND)
	$(CLIPPY_SERVER)
	$(CLIPPY_TOOLS)

fmt:
	cargo fmt --all

# The real server (release) in its own process; subscribers and publisher in the benchmark's.
# Prints latency p50/p99/max, events lost and server memory per subscriber.
# The server is the release build; the load generator is built with the quicker `profiling`
# profile (optimised, no LTO), which spares a second LTO build of every dependency.
bench:
	$(MAKE) --no-print-directory bench-first-load
	cargo build --release -p server --bin sitrep
	ulimit -n 65536 2>/dev/null || ulimit -n "$$(ulimit -Hn)"; \
	cargo bench --profile profiling -p server --bench fanout -- --subscribers 1000 --rate 10 --seconds 20; \
	cargo bench --profile profiling -p server --bench fanout -- --subscribers 10000 --rate 10 --seconds 20
	$(MAKE) --no-print-directory bench-reads

# The release site (scripts/build.sh release), then what a first visit to an incident room
# downloads: each /pkg file the page references, raw, brotli and gzip, against the 250 KB budget;
# then each screen's first visit and what its own chunks add after the room.
bench-first-load:
	scripts/first-load.sh

# The common reads (incidents list, a filtered page, the room page, the roster, a stream's
# resume) against generated histories of READS_SMALL and READS_LARGE incidents, side by side:
# req/s, p99 and response size, READS_CLIENTS keep-alive clients for READS_SECONDS each. The
# histories are generated once into target/bench-reads/ (minutes for 100,000; --fresh redoes).
READS_SMALL ?= 100
READS_LARGE ?= 100000
READS_CLIENTS ?= 8
READS_SECONDS ?= 10
bench-reads:
	cargo build --release -p server --bin sitrep
	cargo bench --profile profiling -p server --bench reads -- \
		--incidents $(READS_SMALL),$(READS_LARGE) --clients $(READS_CLIENTS) --seconds $(READS_SECONDS)

clean-data:
	rm -rf data/

watch: setup
	@command -v cargo-leptos >/dev/null || { \
		echo "cargo-leptos is not installed: cargo install cargo-leptos --version 0.3.10 --locked"; \
		exit 1; }
	cargo leptos watch --split
