#!/usr/bin/env bash
# Runs a command with a fresh oss-devserver listening on a free loopback port.
# The server's URL is exported as OSS_DEVSERVER_URL (browser tests read it at compile time);
# the server is stopped when the command ends, whether it passed or failed.
#   scripts/with-devserver.sh [--release (the speed-built "server" profile)] [--] COMMAND [ARGS...]   (extra server flags: DEVSERVER_ARGS)
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
target_dir=${CARGO_TARGET_DIR:-$root/target}
log=$(mktemp -t oss-devserver.XXXXXX.log)
fifo=$(mktemp -u -t oss-devserver.XXXXXX.fifo)
mkfifo "$fifo"
# shellcheck disable=SC2086
"$target_dir/$profile/oss-devserver" --listen 127.0.0.1:0 ${DEVSERVER_ARGS:-} >"$fifo" 2>"$log" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$fifo" "$log"
}
trap cleanup EXIT INT TERM
exec 3<"$fifo"
if ! IFS= read -r -t 30 line <&3; then
  echo "with-devserver: oss-devserver did not start:" >&2
  cat "$log" >&2
  exit 1
fi
# Keep draining the server's stdout so it never blocks on a full pipe.
cat <&3 >/dev/null &
url=$(printf '%s' "$line" | sed -n 's/.*"url":"\([^"]*\)".*/\1/p')
[ -n "$url" ] || { echo "with-devserver: no url in: $line" >&2; exit 1; }
export OSS_DEVSERVER_URL=$url
echo "with-devserver: oss-devserver at $url" >&2
"$@"
