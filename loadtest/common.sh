# Sourced by the load scripts once they are at the repository's top: the
# binaries (TOLLGATE, LOADTEST; default target/release/...), a scratch
# folder `work` removed on exit (with any server started stopped), and
# start_server.
tollgate=${TOLLGATE:-target/release/tollgate}
loadtest=${LOADTEST:-target/release/tollgate-loadtest}
# SERVER_CPUS / GENERATOR_CPUS (taskset lists, such as 0 and 1) pin the
# server and the generator to separate cores, so that a generator cheaper
# than the server can offer more than the server sustains.
server_pin=()
generator_pin=()
[ -n "${SERVER_CPUS:-}" ] && server_pin=(taskset -c "$SERVER_CPUS")
[ -n "${GENERATOR_CPUS:-}" ] && generator_pin=(taskset -c "$GENERATOR_CPUS")
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# Exits unless h2load is installed.
need_h2load() {
  command -v h2load >/dev/null || { echo "h2load not found: apt-get install nghttp2-client" >&2; exit 1; }
}

# start_server WORK [SERVE_ARGS...] starts
# `$tollgate serve` on ephemeral loopback ports with its log in WORK, waits
# until it listens (at most START_SECONDS, default 10), and sets `server`
# (its pid), `addr` (gRPC) and `admin`. The caller's EXIT trap stops it.
start_server() {
  local work=$1
  shift
  "${server_pin[@]}" "$tollgate" serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 "$@" 2>"$work/server.log" &
  server=$!
  for _ in $(seq $((${START_SECONDS:-10} * 10))); do
    grep -q "tollgate listening on" "$work/server.log" && break
    sleep 0.1
  done
  addr=$(sed -n 's/.*tollgate listening on grpc=\([^ ]*\).*/\1/p' "$work/server.log")
  admin=$(sed -n 's/.*admin=\([^ ]*\).*/\1/p' "$work/server.log" | head -n 1)
  if [ -z "$addr" ] || [ -z "$admin" ]; then
    echo "the server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
}
