# oss-resumable — the two commands a newcomer types are `make demo` and `make test`.
# Every target provisions what is missing first (scripts/setup.sh: quick when all is there).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# The toolchain and PATH that scripts/setup.sh chose for this machine.
ENV := source target/setup.env &&
WASM := --target wasm32-unknown-unknown

.PHONY: all setup test lint test-core test-devserver test-browser package www demo clean bench bench-smoke bench-build

all: test

setup:
	@bash scripts/setup.sh

## make test: formatting, clippy (host and wasm32), core and dev-server tests, browser tests.
test: setup lint test-core test-devserver test-browser bench-smoke
	@echo "make test: all suites passed"

lint: setup
	$(ENV) cargo fmt --all -- --check
	$(ENV) cargo clippy --workspace --all-targets -- -D warnings
	$(ENV) cargo clippy -p oss-resumable $(WASM) --all-targets -- -D warnings

test-core: setup
	$(ENV) cargo test -p oss-resumable-core

test-devserver: setup
	$(ENV) cargo test -p oss-devserver

# Starts oss-devserver on a free loopback port, passes its URL to the browser tests at compile
# time (OSS_DEVSERVER_URL), runs them in headless Chromium, and stops the server either way.
test-browser: setup
	$(ENV) WASM_BINDGEN_TEST_TIMEOUT=120 scripts/with-devserver.sh cargo test -p oss-resumable $(WASM)

## make package: the npm package in pkg/ (release build, wasm-opt from npm's binaryen).
package: setup
	$(ENV) wasm-pack build --mode no-install --release --target bundler --out-dir pkg --out-name oss_resumable
	$(ENV) wasm-opt -Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
	  --enable-mutable-globals --enable-reference-types --enable-multivalue \
	  pkg/oss_resumable_bg.wasm -o pkg/oss_resumable_bg.wasm

## make www: the demo page / widget in www/dist, built by webpack against pkg/.
www: package
	$(ENV) webpack --mode production

## make demo: builds everything, starts oss-devserver and serves the page on another origin.
demo: www
	$(ENV) cargo build -q --release -p oss-devserver
	$(ENV) node scripts/demo.mjs

## make bench: throughput, CPU, longest task and memory of a 1 GiB upload (and 256 MiB) against
## the raw-XHR ceiling and ali-oss, alternated round by round; CRC-64 speed, resume latency and
## package size. Writes bench/results/latest.{json,md} and chart.svg (see README "Performance").
bench-build: setup
	$(ENV) bench/build.sh

bench: bench-build
	$(ENV) node bench/run.mjs

## make bench-smoke: 64 MiB, one round; asserts only that every variant completed and produced figures.
bench-smoke: bench-build
	$(ENV) node bench/run.mjs --smoke >/dev/null

clean:
	rm -rf target pkg www/dist node_modules
