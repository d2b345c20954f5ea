#!/usr/bin/env bash
# Builds what bench/run.mjs measures besides the package (pkg/, from `make package`, exactly as it
# ships) and the dev server (`make devserver`): the CRC-64 bench module (bench/crc64-wasm), the
# core's CRC-64 alone compiled to wasm, into bench/tmp/crc64.wasm. `make bench-build` runs all three.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
CARGO_TARGET_DIR="$root/target/bench-crc64" cargo build -q --release \
  --target wasm32-unknown-unknown --manifest-path bench/crc64-wasm/Cargo.toml
mkdir -p bench/tmp
cp target/bench-crc64/wasm32-unknown-unknown/release/oss_resumable_crc64_bench.wasm bench/tmp/crc64.wasm
