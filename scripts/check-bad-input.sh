#!/usr/bin/env bash
# Keeps docs/bad-input.md's "During an upload" table true: every "Proved by" cell must name a test
# that exists. Part of `make lint`, next to check-refs.sh. (The "Refused before any request"
# table is executed by tests/bad_input.rs instead.)
#
#   path/to/file.rs::function_name     a `fn function_name` in that file (core, browser tests)
#   e2e/file.test.mjs: test title      test("test title", …) in that e2e file
#
# Needs bash, grep, sed and awk only. Exits 1 after listing every name it could not find.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

doc=docs/bad-input.md
[[ -f $doc ]] || { echo "check-bad-input: $doc is missing" >&2; exit 1; }

# The last cell of each row of the table under "## During an upload" (header and rule skipped).
mapfile -t proofs < <(awk '
  /^## / { inside = ($0 == "## During an upload") ; next }
  inside && /^\| / && !/^\| Situation / && !/^\|---/ {
    n = split($0, cells, " \\| ")
    cell = cells[n]; sub(/ *\|$/, "", cell); print cell
  }' "$doc")

if [[ ${#proofs[@]} -eq 0 ]]; then
  echo "check-bad-input: no rows found under \"## During an upload\" in $doc" >&2
  exit 1
fi

bad=0
for proof in "${proofs[@]}"; do
  if [[ $proof =~ ^(e2e/[^:]+\.test\.mjs):\ (.+)$ ]]; then
    file=${BASH_REMATCH[1]} title=${BASH_REMATCH[2]}
    if [[ ! -f $file ]] || ! grep -qF "test(\"$title\"" "$file"; then
      echo "check-bad-input: $doc: no test titled \"$title\" in $file" >&2
      bad=1
    fi
  elif [[ $proof =~ ^([^:]+\.rs)::([A-Za-z0-9_]+)$ ]]; then
    file=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]}
    if [[ ! -f $file ]] || ! grep -qE "^\s*(pub )?(async )?fn ${name}\b" "$file"; then
      echo "check-bad-input: $doc: no fn $name in $file" >&2
      bad=1
    fi
  else
    echo "check-bad-input: $doc: \"$proof\" is neither path.rs::function nor e2e/file.test.mjs: title" >&2
    bad=1
  fi
done
[[ $bad -eq 0 ]] || exit 1
echo "check-bad-input: ${#proofs[@]} tests named in $doc exist"
