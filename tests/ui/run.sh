#!/usr/bin/env bash
# The admin UI's end-to-end test (tests/ui/simulator.test.mjs) in headless
# Chromium against a real `tollgate serve --admin-ui`.
#
#   tests/ui/run.sh                  # SCREENSHOT=docs/admin-ui.png to refresh it
#
# - Chromium: Debian's `chromium` package (/usr/bin/chromium), installed
#   with apt-get when missing (a no-op when present); CHROMIUM=PATH to use
#   another build.
# - Playwright: `playwright-core` (no browser download) from npm, installed
#   into tests/ui/node_modules from package-lock.json when missing.
# - The server: TOLLGATE_BIN, else target/release/tollgate built with cargo;
#   its admin port is a free loopback port; stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/tests/ui"
say() { printf 'ui/run.sh: %s\n' "$*" >&2; }

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  say "installing Debian's chromium package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
fi
export CHROMIUM

WANT=$(sed -n 's/.*"playwright-core": "\(.*\)".*/\1/p' "$HERE/package.json")
HAVE=$(sed -n 's/^  "version": "\(.*\)".*/\1/p' "$HERE/node_modules/playwright-core/package.json" 2>/dev/null || true)
if [ "$WANT" != "$HAVE" ]; then
  say "installing playwright-core (npm ci)"
  (cd "$HERE" && npm ci --no-audit --no-fund --silent) >&2
fi

# shellcheck source=tests/lib/server.sh
source "$ROOT/tests/lib/server.sh"
tollgate_binary

server_log ui

# Port 0 everywhere: the server prints the addresses it bound.
env -u TOLLGATE_CONFIG -u TOLLGATE_STORE -u TOLLGATE_LISTEN -u TOLLGATE_ADMIN_LISTEN \
  "$BIN" serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --admin-ui >"$LOG" 2>&1 &
SERVER_PID=$!
ADMIN=
for _ in $(seq 300); do
  ADMIN=$(sed -n 's/.*listening on .*admin=\([0-9.:]*\).*/\1/p' "$LOG" | head -n 1)
  [ -n "$ADMIN" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { say "the server exited"; exit 1; }
  sleep 0.1
done
[ -n "$ADMIN" ] || { say "the server did not start within 30 s"; exit 1; }
wait_ready "$ADMIN"

TOLLGATE_ADMIN=$ADMIN timeout 120 node "$HERE/simulator.test.mjs"
