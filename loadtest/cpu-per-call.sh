#!/usr/bin/env bash
# Server CPU per unary Authorize call at fixed rates and at saturation,
# over loopback TCP and over a Unix socket, with both generators.
#
# One `tollgate serve` listens on loopback TCP, a second (same binary, same
# flags) on a Unix socket; both are warmed. Then, for each RATE (calls/s,
# or "max" for a closed loop at saturation), REPEAT rounds of:
#   h2load  -> TCP   (h2load has no Unix-socket client)
#   loadtest -> TCP
#   loadtest -> Unix socket
# each DURATION seconds, reading the server's CPU time (utime + stime of
# /proc/PID/stat, 10 ms ticks) before and after. Server CPU per call = that
# CPU time / calls answered. Prints one line per run with the load average
# (on a shared machine CPU per call is the steadier figure; throughput and
# latency are not comparable between runs) and, per rate and path, the
# median and spread.
#
# Usage: loadtest/cpu-per-call.sh [RATE...]        (default: 1000 5000 20000 max)
# Environment: REPEAT (3), DURATION (6 s), CLIENTS (h2load connections at a
# fixed rate, 30), STREAMS (8), CONNECTIONS (load tester, 4), CONCURRENCY
# (closed loop in flight, 64), GENERATORS ("h2load loadtest-tcp loadtest-unix"),
# SERVE_ARGS (more `tollgate serve` flags), TOLLGATE, LOADTEST,
# SERVER_CPUS / GENERATOR_CPUS (taskset lists).
set -euo pipefail
cd "$(dirname "$0")/.."
rates=("$@")
[ ${#rates[@]} -eq 0 ] && rates=(1000 5000 20000 max)
repeat=${REPEAT:-3}
duration=${DURATION:-6}
clients=${CLIENTS:-30}
streams=${STREAMS:-8}
connections=${CONNECTIONS:-4}
concurrency=${CONCURRENCY:-64}
generators=${GENERATORS:-h2load loadtest-tcp loadtest-unix}
read -r -a serve_args <<<"${SERVE_ARGS:-}"
# shellcheck source=loadtest/common.sh
source loadtest/common.sh
need_h2load

start_server "$work" "${serve_args[@]}"
tcp_pid=$server
tcp_addr=$addr
socket=$work/grpc.sock
"${server_pin[@]}" "$tollgate" serve --listen "unix:$socket" --admin-listen 127.0.0.1:0 "${serve_args[@]}" 2>"$work/unix.log" &
unix_pid=$!
trap 'kill "$unix_pid" 2>/dev/null; cleanup' EXIT
for _ in $(seq 300); do [ -S "$socket" ] && grep -q "tollgate listening on" "$work/unix.log" && break; sleep 0.1; done
[ -S "$socket" ] || { echo "the Unix-socket server did not start:" >&2; cat "$work/unix.log" >&2; exit 1; }

head -n 1 loadtest/requests/example.jsonl >"$work/one.jsonl"
"$loadtest" --requests "$work/one.jsonl" --write-frame "$work/frame.bin"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# generate GENERATOR RATE SECONDS: one run; leaves the calls answered in
# $work/answered.
generate() {
  local generator=$1 rate=$2 secs=$3
  case $generator in
    h2load)
      local pace=()
      [ "$rate" != max ] && pace=(--rps "$(( (rate + clients - 1) / clients ))")
      "${generator_pin[@]}" h2load -D "$secs" -c "$clients" -m "$streams" -t 1 "${pace[@]}" \
        -d "$work/frame.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
        "http://$tcp_addr/tollgate.v1.Authorizer/Authorize" >"$work/h2load.out"
      sed -n 's/^status codes: \([0-9]*\) 2xx.*/\1/p' "$work/h2load.out" >"$work/answered"
      ;;
    loadtest-tcp | loadtest-unix)
      local target="http://$tcp_addr" shape=(--rate "$rate" --connections "$connections" --tick 200us)
      [ "$generator" = loadtest-unix ] && target="unix:$socket"
      [ "$rate" = max ] && shape=(--rate max --concurrency "$concurrency" --connections "$connections")
      "${generator_pin[@]}" "$loadtest" --target "$target" --requests "$work/one.jsonl" "${shape[@]}" \
        --duration "${secs}s" --warmup 0s --check-expect --output json >"$work/report.json"
      python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["decisions"])' \
        "$work/report.json" >"$work/answered"
      ;;
  esac
}

pid_of() { [ "$1" = loadtest-unix ] && echo "$unix_pid" || echo "$tcp_pid"; }

for generator in $generators; do generate "$generator" 2000 2; done

for rate in "${rates[@]}"; do
  for _ in $(seq "$repeat"); do
    for generator in $generators; do
      pid=$(pid_of "$generator")
      before=$(ticks "$pid")
      generate "$generator" "$rate" "$duration"
      after=$(ticks "$pid")
      python3 - "$generator" "$rate" "$duration" "$((after - before))" "$hz" "$(cat "$work/answered")" \
        "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY' | tee -a "$work/results.jsonl"
import json, sys
generator, rate, secs, ticks, hz, answered, load = sys.argv[1:]
answered = int(answered or 0)
cpu = int(ticks) / int(hz)
print(json.dumps({"generator": generator, "rate": rate, "answered_per_s": round(answered / int(secs)),
                  "server_cpu_us_per_call": round(cpu * 1e6 / max(answered, 1), 1),
                  "server_cores": round(cpu / int(secs), 2), "load_average": load}))
PY
    done
  done
done

python3 - "$work/results.jsonl" <<'PY'
import json, sys, statistics
rows = [json.loads(line) for line in open(sys.argv[1])]
print("\nrate     path            calls/s (median)   server CPU us/call: median (min-max)")
groups = {}
for r in rows:
    groups.setdefault((r["rate"], r["generator"]), []).append(r)
for (rate, generator), runs in groups.items():
    cpu = [r["server_cpu_us_per_call"] for r in runs]
    calls = statistics.median(r["answered_per_s"] for r in runs)
    print(f"{rate:<8} {generator:<15} {calls:>10.0f}         {statistics.median(cpu):6.1f} ({min(cpu):.1f}-{max(cpu):.1f})")
PY
