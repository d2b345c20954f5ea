#!/usr/bin/env bash
# `make package`: the npm package `oss-resumable` in pkg/.
#   1. wasm-pack release build, `--target web` (one ES module + one .wasm; see docs/packaging.md);
#   2. wasm-opt with scripts/wasm-opt.options (-Os without inlining a function into its only
#      caller: docs/packaging.md says why) from npm's binaryen 132 (Debian's binaryen 108 breaks
#      wasm-bindgen's output), skipped when the unoptimised .wasm and the options are those of its
#      last run;
#   3. the JS glue and its snippets (pkg/snippets/) minified by terser (scripts/minify-js.sh),
#      then the hashing worker's script, as minified, run on the .wasm (scripts/check-hash-worker.mjs);
#   4. scripts/package.mjs adds the entry point, package.json, README, licenses and the widget
#      (npm/widget/ → pkg/widget/), whose modules terser then minifies (scripts/minify-js.sh);
#      the gzip sizes of the library and of the widget are printed (the widget's budget: 15 KB);
#   5. `npm pack --dry-run` proves the package packs, and prints its file list and sizes.
# Needs target/setup.env sourced (the Makefile does that).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# From an empty pkg/: wasm-pack leaves files it no longer writes (a snippet removed from the
# crate stayed in pkg/snippets/ and was packed).
rm -rf pkg
wasm-pack --quiet build --mode no-install --release --target web \
  --out-dir pkg --out-name oss_resumable

wasm=pkg/oss_resumable_bg.wasm
cache=target/wasm-opt-cache
# The optimisation options, shared with bench/profile.mjs --named (which keeps the names): in
# them, --one-caller-inline-max-function-size 0, because -Os would otherwise inline any function
# called from one place, whatever its size, which made the gzipped module 6.7 KB (4.7 %) larger.
read -ra opt < scripts/wasm-opt.options
opt+=(--strip-debug --strip-producers)
mkdir -p "$cache"
# Keyed by the unoptimised module and the options, so changing either runs wasm-opt again.
sum=$( (cat "$wasm"; echo "${opt[*]}") | sha256sum | cut -d' ' -f1)
if [ -f "$cache/$sum.wasm" ]; then
  echo "package: $wasm and wasm-opt's options unchanged since its last run; reusing its output" >&2
else
  echo "package: wasm-opt ${opt[*]} (binaryen $(wasm-opt --version | sed 's/.*version \([0-9]*\).*/\1/'))" >&2
  rm -f "$cache"/*.wasm
  wasm-opt "${opt[@]}" "$wasm" -o "$cache/opt.tmp"
  mv "$cache/opt.tmp" "$cache/$sum.wasm"
fi
cp "$cache/$sum.wasm" "$wasm"
scripts/minify-js.sh pkg
node scripts/check-hash-worker.mjs pkg

node scripts/package.mjs
scripts/minify-js.sh pkg/widget
node scripts/package-size.mjs pkg
(cd pkg && npm pack --dry-run --json --loglevel=error) | node -e '
  const [p] = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const f of p.files) console.log(`  ${String(f.size).padStart(8)}  ${f.path}`);
  console.log(`package: ${p.name}@${p.version}, ${p.entryCount} files, ${p.size} bytes packed, ${p.unpackedSize} unpacked`);
'
