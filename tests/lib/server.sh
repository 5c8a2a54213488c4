# Sourced by the test scripts that start a `tollgate serve` of their own
# (tests/python/run.sh, tests/python/schemathesis.sh, tests/ui/run.sh).
# The caller sets ROOT (the checkout) and defines `say`.
#
#   tollgate_binary          sets BIN: TOLLGATE_BIN, else target/release/tollgate
#                            built with cargo (same flags as tests/run: reused)
#   server_log NAME          sets LOG, a fresh temporary file for the server's
#                            output, and installs the traps: on exit the server
#                            (SERVER_PID, once started) is stopped — TERM, then
#                            KILL after 10 s — and, if the script failed, the
#                            last 200 lines of its log are shown.

tollgate_binary() {
  if [ -n "${TOLLGATE_BIN:-}" ]; then
    BIN=$TOLLGATE_BIN
  else
    say "building target/release/tollgate"
    (cd "$ROOT" && cargo build --release --quiet -p tollgate-cli --bin tollgate)
    BIN="$ROOT/target/release/tollgate"
  fi
  [ -x "$BIN" ] || { say "no executable at $BIN"; exit 2; }
}

stop_server() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    say "server log ($LOG):"
    tail -n 200 "$LOG" | sed 's/^/  | /' >&2 || true
  fi
  rm -f "$LOG"
  exit "$status"
}

server_log() {
  LOG=$(mktemp "${TMPDIR:-/tmp}/tollgate-$1.XXXXXX")
  SERVER_PID=
  trap stop_server EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
