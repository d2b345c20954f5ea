#!/usr/bin/env bash
# Minifies the JS of a wasm-pack output directory in place: the glue (oss_resumable.js) and its
# snippets (snippets/**/*.js, e.g. src/store.js), or every module of a directory without a glue
# (pkg/widget: <oss-uploader>), with terser from package.json. It takes the
# glue from 6.7 KB to 4.9 KB gzipped and the snippets from 5.6 KB to 2.1 KB. Exports, the
# wasm's import names (object keys, never mangled) and `new URL(…, import.meta.url)` stay as they
# are; function and class names are kept too, so `Uploader.name` and stack traces read the same.
# src/hash_worker.js builds the hashing worker's script from its own functions' source text,
# which relies on no name (minified, it is run by scripts/check-hash-worker.mjs).
# Used by scripts/package.sh; the benchmark loads its output, pkg/, so it measures what ships.
set -euo pipefail
dir=$1
if [ -f "$dir/oss_resumable.js" ]; then
  files=("$dir/oss_resumable.js" $(find "$dir/snippets" -name '*.js' 2>/dev/null))
else
  files=("$dir"/*.js)
fi
for js in "${files[@]}"; do
  terser "$js" --module --compress --mangle --keep-classnames --keep-fnames --output "$js"
done
