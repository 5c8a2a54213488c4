#!/usr/bin/env bash
# schemathesis against the HTTP/JSON API: generates requests from the
# OpenAPI document the server serves (/v1/openapi.json), valid and invalid
# ones, and checks every answer: no 5xx, only documented status codes and
# content types, answers that match their schema, invalid bodies refused.
# Bounded: a few examples per operation and a time limit.
#
#   tests/python/schemathesis.sh [SCHEMATHESIS ARGS...]
#
# The venv (tests/python/venv.sh) holds schemathesis; the server is
# TOLLGATE_BIN, else target/release/tollgate built with cargo, serving the
# built-in example store with --http-listen on free loopback ports.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
say() { printf 'schemathesis.sh: %s\n' "$*" >&2; }
VENV=$("$ROOT/tests/python/venv.sh")
# shellcheck source=tests/lib/server.sh
source "$ROOT/tests/lib/server.sh"
tollgate_binary

server_log schemathesis

env -u TOLLGATE_CONFIG -u TOLLGATE_STORE -u TOLLGATE_LISTEN -u TOLLGATE_ADMIN_LISTEN -u TOLLGATE_HTTP_LISTEN \
  "$BIN" serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 >"$LOG" 2>&1 &
SERVER_PID=$!
HTTP=
for _ in $(seq 300); do
  HTTP=$(sed -n 's/.*listening on .* http=\([0-9.:]*\).*/\1/p' "$LOG" | head -n 1)
  [ -n "$HTTP" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { say "the server exited"; exit 1; }
  sleep 0.1
done
[ -n "$HTTP" ] || { say "the server did not start within 30 s"; exit 1; }
wait_ready "$(sed -n 's/.*listening on .*admin=\([0-9.:]*\).*/\1/p' "$LOG" | head -n 1)"

# positive_data_acceptance is left out: a body the schema allows may still
# be refused with 400 for what a schema cannot say (a principal that is
# not an ARN, a batch over max-batch-size).
timeout 240 "$VENV/bin/schemathesis" run "http://$HTTP/v1/openapi.json" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" --seed 17 \
  --request-timeout 10 --no-color "$@"
