#!/usr/bin/env bash
# Runs the wasm-bindgen browser suites (tests/*.rs) once per browser engine against one
# oss-devserver: Chromium (ChromeDriver), Firefox (geckodriver) and WebKit (WebKitGTK's
# MiniBrowser through WebKitWebDriver, under Xvfb: it has no headless mode).
#   BROWSERS=chromium,firefox scripts/test-browsers.sh   (default: every engine setup found)
# Needs target/setup.env sourced (OSS_CHROMEDRIVER, OSS_GECKODRIVER, OSS_WEBKITDRIVER, OSS_BROWSERS).
#
# wasm-bindgen-test-runner drives the first of GECKODRIVER, SAFARIDRIVER, CHROMEDRIVER (then
# MSEDGEDRIVER) that is set, so each run sets exactly one and unsets the others, including any
# the user's shell exported. Test keys are unique per run, so the engines share the server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

browsers=${BROWSERS:-${OSS_BROWSERS:-}}
[ -n "$browsers" ] || { echo "test-browsers: no browser engine found (run scripts/setup.sh)" >&2; exit 1; }
available=",${OSS_BROWSERS:-},"
for b in ${browsers//,/ }; do
  case "$b" in chromium | firefox | webkit) ;; *)
    echo "test-browsers: unknown engine '$b' (chromium, firefox, webkit)" >&2
    exit 2
    ;;
  esac
  case "$available" in *",$b,"*) ;; *)
    echo "test-browsers: $b is not set up on this machine (scripts/setup.sh says why)" >&2
    exit 1
    ;;
  esac
done

# Build the test binaries once, before any engine runs.
cargo test -p oss-resumable --target wasm32-unknown-unknown --no-run

# Bounds a whole test binary's page run (not one test): the upload suite moves ~90 MiB.
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-300}
summary=()
failed=0
for b in ${browsers//,/ }; do
  echo "=== browser tests in $b ===" >&2
  drivers=(-u CHROMEDRIVER -u GECKODRIVER -u SAFARIDRIVER -u MSEDGEDRIVER)
  case "$b" in
    chromium) cmd=(env "${drivers[@]}" CHROMEDRIVER="$OSS_CHROMEDRIVER") ;;
    firefox) cmd=(env "${drivers[@]}" GECKODRIVER="$OSS_GECKODRIVER") ;;
    webkit) cmd=(xvfb-run -a env "${drivers[@]}" SAFARIDRIVER="$OSS_WEBKITDRIVER") ;;
  esac
  out=$(mktemp)
  start=$(date +%s)
  if "${cmd[@]}" cargo test -p oss-resumable --target wasm32-unknown-unknown 2>&1 | tee "$out"; then
    status=ok
  else
    status=FAILED
    failed=1
  fi
  counts=$(awk '/^test result:/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { print p + 0, f + 0 }' "$out")
  passed=${counts% *}
  nfailed=${counts#* }
  summary+=("$b: $status, ${passed:-0} passed, ${nfailed:-0} failed in $(($(date +%s) - start)) s")
  rm -f "$out"
done
echo "browser tests per engine:" >&2
for line in "${summary[@]}"; do echo "  $line" >&2; done
exit $failed
