#!/usr/bin/env bash
# Server CPU per call over loopback TCP and over a Unix socket, same binary,
# same load, interleaved: `tollgate serve` once on each, then PAIRS rounds
# of the load tester against TCP, then the socket (closed loop, --concurrency
# in flight on --connections), reading the server's CPU time from
# /proc/PID/stat around each run. CPU per call varies far less than
# throughput on a shared machine; both are printed.
#
#   loadtest/uds-vs-tcp.sh            # PAIRS=5 DURATION=5s CALL=authorize
#   CALL=authorize-stream CONCURRENCY=128 loadtest/uds-vs-tcp.sh
#
# Needs target/release/tollgate and target/release/tollgate-loadtest
# (cargo build --release -p tollgate-cli -p tollgate-loadtest).
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/common.sh

PAIRS=${PAIRS:-5}
DURATION=${DURATION:-5s}
CALL=${CALL:-authorize}
CONCURRENCY=${CONCURRENCY:-32}
CONNECTIONS=${CONNECTIONS:-1}

start_server "$work"
tcp_server=$server
tcp_addr=$addr
socket="$work/grpc.sock"
"$tollgate" serve --listen "unix:$socket" --admin-listen 127.0.0.1:0 2>"$work/unix.log" &
unix_server=$!
for _ in $(seq 100); do [ -S "$socket" ] && grep -q "tollgate listening on" "$work/unix.log" && break; sleep 0.1; done
[ -S "$socket" ] || { echo "the Unix socket server did not start" >&2; cat "$work/unix.log" >&2; exit 1; }
cleanup_both() { kill "$tcp_server" "$unix_server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup_both EXIT

# CPU ticks (user + system) of a process.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

load() { # TARGET DURATION
  "$loadtest" --target "$1" --call "$CALL" --rate max --concurrency "$CONCURRENCY" \
    --connections "$CONNECTIONS" --duration "$2" --warmup 0s --output json >"$work/report.json"
}

run() { # NAME PID TARGET
  local before after
  before=$(ticks "$2")
  load "$3" "$DURATION"
  after=$(ticks "$2")
  python3 - "$1" "$before" "$after" "$hz" "$work/report.json" <<'PY'
import json, sys
name, before, after, hz, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
r = json.load(open(path))
per = (after - before) / hz * 1e6 / max(r["decisions"], 1)
print(f"{name:5} {r['decisions_per_s']:>10.0f} decisions/s  server CPU {per:6.2f} us/decision  "
      f"p50 {r['latency_us']['p50']:.0f} us  p99 {r['latency_us']['p99']:.0f} us  errors {r['errors']}")
PY
}

# Warm both servers up, unmeasured.
load "http://$tcp_addr" 1s
load "unix:$socket" 1s

echo "call=$CALL concurrency=$CONCURRENCY connections=$CONNECTIONS duration=$DURATION pairs=$PAIRS ($(nproc) cores)"
for _ in $(seq "$PAIRS"); do
  run tcp "$tcp_server" "http://$tcp_addr"
  run unix "$unix_server" "unix:$socket"
done
