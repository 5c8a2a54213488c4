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
#   wait_ready ADMIN         waits (30 s at most) until GET /readyz on the
#                            admin address ADMIN (HOST:PORT) answers 200: the
#                            server listens before its store loads, and
#                            answers UNAVAILABLE until then.

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

wait_ready() {
  local host=${1%:*} port=${1##*:} deadline=$((SECONDS + 30)) status
  while :; do
    status=$( (exec 3<>"/dev/tcp/$host/$port" &&
      printf 'GET /readyz HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" >&3 &&
      head -n 1 <&3) 2>/dev/null || true)
    case "$status" in "HTTP/1."?" 200"*) return 0 ;; esac
    if [ -n "${SERVER_PID:-}" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
      say "the server exited before it was ready"
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "the server was not ready within 30 s (last /readyz: ${status:-no answer})"
      exit 1
    fi
    sleep 0.1
  done
}
