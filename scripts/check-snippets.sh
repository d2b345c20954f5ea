#!/usr/bin/env bash
# Holds the number of JS modules each browser test binary binds (its wasm-bindgen "snippets") at
# 4 or fewer. Part of `make lint`.
#
# Why: wasm-bindgen-test-runner serves the test page with tiny_http 0.12, whose task pool starts
# 4 threads and gives each connection one for its whole keep-alive life. The page fetches every
# snippet at once; when that burst opens more than 3 new connections, a connection can be queued
# behind the idle keep-alive ones and never read, and Chromium sits at "Loading scripts..." until
# ChromeDriver's 300 s page-load timeout. One connection carries the page itself, so 4 snippets
# is the most that never hangs. docs/toolchain.md, "Chromium hangs at Loading scripts", has the
# evidence.
#
# Counted: the distinct `module = "/…"` paths of the library (src/), plus those of the test file
# and, when it has `mod support;`, of tests/support/. Needs bash, grep and sort only.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

limit=4
modules() { grep -rhoE 'module = "/[^"]+"' "$@" 2>/dev/null | sort -u || true; }
library=$(modules src)
bad=0
for test in tests/*.rs; do
  files=("$test")
  grep -qE '^mod support;' "$test" && files+=(tests/support)
  # A module bound from both the library and a test is one snippet.
  count=$( { echo "$library"; modules "${files[@]}"; } | sort -u | grep -c . )
  if [ "$count" -gt "$limit" ]; then
    echo "check-snippets: $test binds $count JS modules (limit $limit):" >&2
    { echo "$library"; modules "${files[@]}"; } | sort -u | grep . | sed 's/^/    /' >&2
    bad=1
  fi
done
[ "$bad" = 0 ] || {
  echo "check-snippets: merge test fixtures into tests/support/devserver.js (see the comment at the top of this script)" >&2
  exit 1
}
