#!/usr/bin/env bash
# Runs tests/python/test_grpc_client.py (Python grpcio) against a real
# `tollgate serve` of the built-in example store, and test_ext_authz.py
# (Envoy's ext_authz Check), which starts its own server (TOLLGATE_BIN).
#
#   tests/python/run.sh [PYTEST ARGS...]
#
# - Python packages: a venv in target/python-venv (tests/python/venv.sh), with
#   tests/python/requirements.txt installed (again only when it changes).
# - The server: target/release/tollgate, built first with cargo; set
#   TOLLGATE_BIN to use another binary instead (nothing is built then).
# - Ports: two free loopback ports picked here; the gRPC port must accept
#   connections within 30 s.
# The server is always stopped (SIGTERM, then SIGKILL after 10 s). Exits with
# pytest's status; non-zero on any failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/tests/python"

say() { printf 'run.sh: %s\n' "$*" >&2; }

# Python environment (created once, reused).
VENV=$("$HERE/venv.sh")

# shellcheck source=tests/lib/server.sh
source "$ROOT/tests/lib/server.sh"
tollgate_binary

# Two distinct free loopback ports.
read -r GRPC_PORT ADMIN_PORT < <("$VENV/bin/python" - <<'PY'
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0))
b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])
a.close()
b.close()
PY
)

server_log serve

# The built-in example store: no --store, and no TOLLGATE_* settings from
# this environment.
say "starting $BIN serve on grpc=127.0.0.1:$GRPC_PORT admin=127.0.0.1:$ADMIN_PORT"
env -u TOLLGATE_CONFIG -u TOLLGATE_STORE -u TOLLGATE_LISTEN -u TOLLGATE_ADMIN_LISTEN \
  "$BIN" serve --listen "127.0.0.1:$GRPC_PORT" --admin-listen "127.0.0.1:$ADMIN_PORT" \
  >"$LOG" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + 30))
until (exec 3<>"/dev/tcp/127.0.0.1/$GRPC_PORT") 2>/dev/null; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    say "the server exited before accepting connections"
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "the server did not accept connections within 30 s"
    exit 1
  fi
  sleep 0.1
done
wait_ready "127.0.0.1:$ADMIN_PORT"

status=0
TOLLGATE_ADDR="127.0.0.1:$GRPC_PORT" TOLLGATE_BIN="$BIN" "$VENV/bin/python" -m pytest -p no:cacheprovider -q "$HERE" "$@" || status=$?
exit "$status"
