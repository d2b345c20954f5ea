#!/usr/bin/env bash
# make test-live: the opt-in test against a real OSS bucket (README "Testing against real OSS").
# Not configured: one line saying it is skipped, exit 0, nothing built. Configured: builds the
# package (make package) and runs scripts/test-live.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/test-live.mjs --check || exit 0
make -s package
source target/setup.env
exec node scripts/test-live.mjs
