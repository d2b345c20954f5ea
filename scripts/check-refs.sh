#!/usr/bin/env bash
# Keeps the repository's cross-references true. The first step of `make lint`.
#
# 1. Every `§N` or `§N.M` in the tracked sources (.rs .js .mjs .sh .toml .md, except
#    docs/protocol.md and this script's own examples) must name a heading of docs/protocol.md:
#    "## 4. Multipart upload API" is §4, "### 4.3 CompleteMultipartUpload" is §4.3. Both ends of
#    a range ("§4–5", "§9.2–§9.4") are checked. A section of another document is cited with that
#    document's name first ("RFC 1321 §3.4") and is not checked.
# 2. Every relative link in README.md, npm/README.md and docs/*.md, inline (`[text](path)`) or
#    as a reference definition (`[label]: path`), must point to a file or directory that exists.
#    Links inside code spans and fenced code blocks are ignored. Fragments (`#…`) are not checked.
#
# Needs bash, git, grep, sed and awk only. Prints one summary line; exits 1 after listing every
# unresolved reference and dead link.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

protocol=docs/protocol.md
if [[ ! -f $protocol ]]; then
  echo "check-refs: $protocol is missing" >&2
  exit 1
fi

# --- 1. § references -------------------------------------------------------------------------

# Section numbers of the headings: "## 4. Title" → 4, "### 4.3 Title" → 4.3.
sections=$(sed -nE 's/^#{2,3} ([0-9]+(\.[0-9]+)?)\.? .*/\1/p' "$protocol")

mapfile -t sources < <(git ls-files -- '*.rs' '*.js' '*.mjs' '*.sh' '*.toml' '*.md' |
  grep -vxF -e "$protocol" -e scripts/check-refs.sh)

# file:line:match, one per reference (a range is one match here, split below).
matches=$(grep -onE '(RFC [0-9]+ )?§[0-9]+(\.[0-9A-Za-z]+)?((–|-)[0-9]+(\.[0-9]+)?)?' \
  "${sources[@]}" /dev/null || true)

# Prints "ref<TAB>file:line" for every reference to docs/protocol.md.
refs=$(printf '%s\n' "$matches" | awk '
  NF == 0 { next }
  {
    # file:line:text (paths in this repository contain no colon)
    i = index($0, ":"); file = substr($0, 1, i - 1); rest = substr($0, i + 1)
    j = index(rest, ":"); line = substr(rest, 1, j - 1); text = substr(rest, j + 1)
    if (text ~ /^RFC /) next                       # another document'"'"'s section
    sub(/^§/, "", text)
    start = text; end = ""
    if (match(text, /(–|-)/)) {
      start = substr(text, 1, RSTART - 1)
      end = substr(text, RSTART + RLENGTH)
      sub(/^§/, "", end)
      # "§4.2–8" means §4.2 to §4.8
      if (end !~ /\./ && start ~ /\./) { major = start; sub(/\..*/, "", major); end = major "." end }
    }
    printf "%s\t%s:%s\n", start, file, line
    if (end != "") printf "%s\t%s:%s\n", end, file, line
  }')

ref_count=0
unresolved=()
while IFS=$'\t' read -r ref where; do
  [[ -n $ref ]] || continue
  ref_count=$((ref_count + 1))
  if ! grep -qxF -- "$ref" <<<"$sections"; then
    unresolved+=("  $where: §$ref")
  fi
done <<<"$refs"

# --- 2. relative markdown links --------------------------------------------------------------

docs=(README.md npm/README.md)
for f in docs/*.md; do
  [[ -e $f ]] && docs+=("$f")
done

# Prints "file<TAB>line<TAB>target" for every relative link outside code.
links=$(awk '
  FNR == 1 { fence = 0 }
  /^[ \t]*(```|~~~)/ { fence = !fence; next }
  fence { next }
  {
    s = $0
    gsub(/`[^`]*`/, "", s)                          # code spans
    if (match(s, /^ ? ? ?\[[^]]+\]:[ \t]+/)) {      # [label]: target
      t = substr(s, RSTART + RLENGTH); sub(/[ \t].*/, "", t)
      emit(FILENAME, FNR, t)
      next
    }
    while (match(s, /\]\([^)]*\)/)) {               # [text](target "title")
      t = substr(s, RSTART + 2, RLENGTH - 3)
      s = substr(s, RSTART + RLENGTH)
      sub(/^[ \t]+/, "", t); sub(/[ \t].*/, "", t)
      emit(FILENAME, FNR, t)
    }
  }
  function emit(file, line, t) {
    gsub(/^<|>$/, "", t)
    if (t ~ /^[A-Za-z][A-Za-z0-9+.-]*:/ || t ~ /^#/) return    # URL, mailto:, or same page
    printf "%s\t%d\t%s\n", file, line, t
  }' "${docs[@]}")

link_count=0
dead=()
while IFS=$'\t' read -r file line target; do
  [[ -n $file ]] || continue
  link_count=$((link_count + 1))
  path=${target%%#*}
  path=${path%%\?*}
  if [[ -z $path ]]; then
    dead+=("  $file:$line: ($target) has no target")
    continue
  fi
  if [[ $path == /* ]]; then
    resolved=".$path"                               # relative to the repository root
  else
    resolved="$(dirname "$file")/$path"
  fi
  if [[ ! -e $resolved ]]; then
    dead+=("  $file:$line: $target (no such file: $resolved)")
  fi
done <<<"$links"

# --- report ----------------------------------------------------------------------------------

if ((${#unresolved[@]} > 0)); then
  echo "check-refs: § references that match no heading of $protocol:" >&2
  printf '%s\n' "${unresolved[@]}" >&2
fi
if ((${#dead[@]} > 0)); then
  echo "check-refs: dead relative links:" >&2
  printf '%s\n' "${dead[@]}" >&2
fi
echo "check-refs: $ref_count § references, ${#unresolved[@]} unresolved; $link_count links, ${#dead[@]} dead"
if ((${#unresolved[@]} + ${#dead[@]} > 0)); then
  exit 1
fi
