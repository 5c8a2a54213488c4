#!/usr/bin/env bash
# Authorize latency at a steady rate, driven by h2load (Debian's
# nghttp2-client) instead of tollgate-loadtest: h2load spends ~7 µs of CPU
# per call against the load tester's ~30 µs, so on a 2-core machine the
# server is not starved by its own load generator at 30,000 calls/s.
#
# A fresh `tollgate serve` (embedded example store, plus any SERVER_ARGS)
# gets CLIENTS connections, each paced at RATE/CLIENTS calls per second
# (`h2load --rps`) with at most STREAMS calls outstanding; every call is the
# built-in sample's first Authorize request. h2load's per-request log gives
# the latency distribution (from each call's send to its answer; h2load
# paces sends on a timer, but a call waits for a free stream, so read the
# achieved rate: if it falls short of RATE, the server fell behind). The
# server's own counters then say how many calls failed at the gRPC level
# (h2load sees HTTP status only) and how many decisions were made.
#
# Prints one JSON object: rate offered and achieved, latency percentiles in
# µs, HTTP failures, gRPC errors, decisions counted by the server.
#
# Usage: loadtest/h2load-rate.sh [RATE] [SECONDS] [-- SERVER_ARGS...]
# Environment: TOLLGATE, LOADTEST (binaries), CLIENTS (default 30),
# STREAMS (default 8), WARMUP (seconds, default 2), SERVER_CPUS and
# GENERATOR_CPUS (pin each to cores, see common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-30000}
seconds=${2:-10}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift
clients=${CLIENTS:-30}
streams=${STREAMS:-8}
warmup=${WARMUP:-2}
# shellcheck source=loadtest/common.sh
source loadtest/common.sh
need_h2load

start_server "$work" "$@"

head -n 1 loadtest/requests/example.jsonl >"$work/one.jsonl"
"$loadtest" --requests "$work/one.jsonl" --write-frame "$work/frame.bin"

per_client=$(( (rate + clients - 1) / clients ))
"${generator_pin[@]}" h2load -D "$((seconds + warmup))" -c "$clients" -m "$streams" -t 1 --rps "$per_client" \
  --log-file "$work/requests.tsv" \
  -d "$work/frame.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
  "http://$addr/tollgate.v1.Authorizer/Authorize" >"$work/h2load.out"

curl -fsS "http://$admin/metrics" >"$work/metrics.txt"
python3 - "$work" "$rate" "$seconds" "$warmup" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
work, rate, seconds, warmup, load = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rows = []
for line in open(f"{work}/requests.tsv"):
    start, status, micros = line.split("\t")[:3]
    rows.append((int(start), int(status), int(micros)))
if not rows:
    sys.exit("h2load logged no request")
first = min(r[0] for r in rows)
measured = [r for r in rows if r[0] >= first + warmup * 1_000_000]
span = (max(r[0] for r in measured) - min(r[0] for r in measured)) / 1e6 or 1
latencies = sorted(r[2] for r in measured)
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
def counter(name):
    total = 0
    for line in open(f"{work}/metrics.txt"):
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)
# Calls refused for overload answer as fast as anything: h2load cannot tell
# them from answered ones (both are HTTP 200), so bound the answered calls'
# p99 from above by assuming every refused call was among the fastest:
# the answered p99 is at most the overall latency of rank 0.99 * answered +
# refused (the refused share of the measured calls taken from the whole run).
refused_total = counter('tollgate_rejected_total{reason="overload"}')
refused = round(refused_total * len(measured) / max(1, len(rows)))
answered = len(measured) - refused
bound_rank = min(len(latencies) - 1, int(0.99 * answered) + refused)
print(json.dumps({
    "refused_overload": refused_total,
    "answered_p99_at_most_us": latencies[bound_rank] if answered > 0 else None,
    "rate_offered": rate,
    "rate_achieved": round(len(measured) / span),
    "calls_measured": len(measured),
    "latency_us": {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "p99_9": pick(0.999), "max": latencies[-1]},
    "http_failures": sum(1 for r in rows if r[1] != 200),
    "grpc_errors": counter("tollgate_rpc_errors_total"),
    "decisions": counter("tollgate_decisions_total"),
    "calls_sent": len(rows),
    "load_average": load,
}))
PY
