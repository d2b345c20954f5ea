#!/usr/bin/env bash
# Runs a command with a fresh oss-devserver listening on a free loopback port.
# The server's URL is exported as OSS_DEVSERVER_URL (browser tests read it at compile time);
# the server is stopped when the command ends, whether it passed or failed.
#   scripts/with-devserver.sh [--release (the speed-built "server" profile)] [--] COMMAND [ARGS...]   (extra server flags: DEVSERVER_ARGS)
# This builds the server; starting it, reading its address and stopping it is the dev server's one
# launcher, scripts/servers.mjs, through scripts/with-devserver.mjs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
profile=debug
if [ "${1:-}" = "--release" ]; then profile=server; shift; fi
if [ "${1:-}" = "--" ]; then shift; fi

if [ "$profile" = server ]; then
  cargo build -q --profile server -p oss-devserver
else
  cargo build -q -p oss-devserver
fi
exec node "$root/scripts/with-devserver.mjs" --profile "$profile" -- "$@"
