# oss-resumable — the two commands a newcomer types are `make demo` and `make test`.
# Every target provisions what is missing first (scripts/setup.sh: quick when all is there).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# The toolchain and PATH that scripts/setup.sh chose for this machine.
ENV := source target/setup.env &&
WASM := --target wasm32-unknown-unknown

.PHONY: fuzz all setup test lint test-core test-devserver test-browser package test-package www devserver e2e demo clean bench bench-smoke bench-build

all: test

setup:
	@bash scripts/setup.sh

## make test: formatting, clippy (host and wasm32), core and dev-server tests, browser tests,
## the npm package (build, npm pack, types against the contract), the end-to-end tests and a
## benchmark smoke run (bench-smoke: every variant completes; speed is never asserted).
test: setup lint test-core test-devserver test-browser test-package e2e bench-smoke
	@echo "make test: all suites passed"

lint: setup
	bash scripts/check-refs.sh
	bash scripts/check-bad-input.sh
	bash scripts/check-snippets.sh
	$(ENV) cargo fmt --all -- --check
	$(ENV) cargo clippy --workspace --all-targets -- -D warnings
	$(ENV) cargo clippy -p oss-resumable $(WASM) --all-targets -- -D warnings
	$(ENV) cargo fmt --manifest-path fuzz/Cargo.toml -- --check
	$(ENV) CARGO_TARGET_DIR=target cargo clippy --manifest-path fuzz/Cargo.toml --all-targets -- -D warnings

test-core: setup
	$(ENV) cargo test -p oss-resumable-core
	$(ENV) CARGO_TARGET_DIR=target cargo test --manifest-path fuzz/Cargo.toml

test-devserver: setup
	$(ENV) cargo test -p oss-devserver

# Starts oss-devserver on a free loopback port, passes its URL to the browser tests at compile
# time (OSS_DEVSERVER_URL), runs them in Chromium, Firefox and WebKit one after the other
# (BROWSERS=chromium,firefox to choose), and stops the server either way.
test-browser: setup
	$(ENV) scripts/with-devserver.sh scripts/test-browsers.sh

## make package: the npm package in pkg/ (release build, --target web, wasm-opt from npm's
## binaryen 132, entry point + package.json + README + licenses, checked with `npm pack`).
package: setup
	$(ENV) scripts/package.sh

## make test-package: the package's .d.ts checked against the JS API contract (tests/ts/usage.ts),
## and proof that the check fails when the .d.ts drifts (tests/ts/drift.mjs).
test-package: package
	$(ENV) tsc --noEmit -p tests/ts
	$(ENV) node tests/ts/drift.mjs

## make www: the upload widget in www/dist, built by webpack 5 against pkg/.
www: package
	$(ENV) webpack --mode production

devserver: setup
	$(ENV) cargo build -q --profile server -p oss-devserver

## make e2e: Playwright (playwright-core + system Chromium) tests of the widget and the package,
## each against its own oss-devserver; screenshots in e2e/screenshots/.
e2e: www devserver
	$(ENV) node --test e2e/

## make soak SEED=1 UPLOADS=100: the chaos soak (e2e/soak/): seeded uploads through pkg/ in
## Chromium against oss-devserver, with fault rules and interruptions (reload, closed tab,
## abort); checks every object's bytes and CRC-64 on the server and where the bytes went. Prints
## the report and writes target/soak/report-<SEED>.md. make e2e runs a short one
## (e2e/soak.test.mjs: 8 uploads).
.PHONY: soak test-live
SEED ?= 1
UPLOADS ?= 100
soak: package devserver
	$(ENV) node scripts/soak.mjs --seed $(SEED) --uploads $(UPLOADS)

## make test-live: the key browser flows against a real OSS bucket, cleaned up afterwards; it
## runs only when the OSS_LIVE_* variables are set (README "Testing against real OSS") and
## otherwise says it is skipped. e2e/live.test.mjs runs it against oss-devserver.
test-live: setup
	$(ENV) scripts/test-live.sh

## make demo: builds everything, starts oss-devserver and serves the widget on another origin.
demo: www devserver
	$(ENV) node scripts/demo.mjs

## make bench: throughput, CPU, longest task and memory of a 1 GiB upload (and 256 MiB) over
## loopback against the raw-XHR ceiling (A), the verifying ceiling (AV: A + CRC-64 in a worker)
## and ali-oss, alternated round by round; the same variants over two emulated links (home
## broadband, long fat link: bench/lib/link.mjs) with the fraction of the link each reaches;
## CRC-64 speed, resume latency and package size. Writes bench/results/latest.{json,md} and
## chart.svg (see README "Performance"). It measures pkg/ as `make package` built it, and the dev
## server `make devserver` built.
bench-build: package devserver

bench: bench-build
	$(ENV) node bench/run.mjs

## make bench-smoke: the link emulator's own tests, then 64 MiB over loopback and each network
## profile once on a small file, one round; asserts only that every variant completed and produced
## figures.
bench-smoke: bench-build
	$(ENV) node --test bench/link.test.mjs
	$(ENV) node bench/run.mjs --smoke >/dev/null

## make fuzz: the fuzz targets of fuzz/ under libFuzzer (nightly + cargo-fuzz), FUZZ_SECONDS
## each (default 120); their committed corpora run as plain tests in `make test-core`.
fuzz: setup
	$(ENV) scripts/fuzz.sh
clean:
	rm -rf target pkg www/dist node_modules
