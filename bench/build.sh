#!/usr/bin/env bash
# Builds what bench/run.mjs measures: the dev server (release), the npm package the way it ships
# (wasm-pack release, then npm's binaryen 132 wasm-opt) into bench/tmp/pkg with the `web` target
# so the bench page can load it without a bundler, and the CRC-64 bench module (bench/crc64-wasm).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build -q --profile server -p oss-devserver
wasm-pack --quiet build --mode no-install --release --target web \
  --out-dir bench/tmp/pkg --out-name oss_resumable >/dev/null
# Same flags as `make package`.
wasm-opt -Os --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  bench/tmp/pkg/oss_resumable_bg.wasm -o bench/tmp/pkg/oss_resumable_bg.wasm
scripts/minify-js.sh bench/tmp/pkg
CARGO_TARGET_DIR="$root/target/bench-crc64" cargo build -q --release \
  --target wasm32-unknown-unknown --manifest-path bench/crc64-wasm/Cargo.toml
cp target/bench-crc64/wasm32-unknown-unknown/release/oss_resumable_crc64_bench.wasm bench/tmp/crc64.wasm
