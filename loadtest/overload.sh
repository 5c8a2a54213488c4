#!/usr/bin/env bash
# Overload: refuse, do not queue. A fresh `tollgate serve` (embedded example
# store, plus any SERVER_ARGS) is first driven closed-loop to find the rate
# it sustains on this machine (CONCURRENCY workers), then open-loop at
# FACTOR (default 2) times that rate for SECONDS. Every call has a deadline
# (--timeout, DEADLINE, default 1s): it must be answered within it or
# refused at once with RESOURCE_EXHAUSTED.
#
# Prints one JSON object: the sustainable rate, the rate offered, calls
# answered and refused, other errors, and the latency of answered and of
# refused calls separately (µs, from each call's due time: a late answer
# cannot hide behind a slow generator).
#
# Usage: loadtest/overload.sh [SECONDS] [-- SERVER_ARGS...]
# Environment: TOLLGATE, LOADTEST (binaries), CONNECTIONS (default 16),
# CONCURRENCY (default 64), FACTOR (default 2), DEADLINE (default 1s),
# THREADS (the generator's threads, default 1), CALL (`authorize`, the
# default, or `authorize-batch`) and BATCH_SIZE (decisions per batch call,
# default 100), SERVER_CPUS and GENERATOR_CPUS (pin each to cores, see
# common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
shift $(($# < 1 ? $# : 1))
[ "${1:-}" = "--" ] && shift
connections=${CONNECTIONS:-16}
concurrency=${CONCURRENCY:-64}
factor=${FACTOR:-2}
deadline=${DEADLINE:-1s}
threads=${THREADS:-1}
call=(--call "${CALL:-authorize}" --batch-size "${BATCH_SIZE:-100}")
# shellcheck source=loadtest/common.sh
source loadtest/common.sh

start_server "$work" "$@"
target="http://$addr"
"${generator_pin[@]}" "$loadtest" --target "$target" --rate max --concurrency "$concurrency" "${call[@]}" \
  --connections "$connections" --duration 5s --warmup 1s --threads "$threads" \
  --timeout "$deadline" --output json >"$work/capacity.json"
capacity=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["achieved_rate"]))' "$work/capacity.json")
offered=$(python3 -c "print(int($capacity * $factor))")
"${generator_pin[@]}" "$loadtest" --target "$target" --rate "$offered" --duration "${seconds}s" --warmup 1s "${call[@]}" \
  --connections "$connections" --threads "$threads" --timeout "$deadline" \
  --output json >"$work/overload.json" || true
curl -fsS "http://$admin/metrics" >"$work/metrics.txt"
python3 - "$work" "$capacity" "$offered" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, os, sys
work, capacity, offered, load = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
run = json.load(open(f"{work}/overload.json"))
def pick(latency):
    return {k: round(latency[k]) for k in ("count", "p50", "p99", "p99_9", "max")}
def counter(name):
    total = 0
    for line in open(f"{work}/metrics.txt"):
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)
codes = dict(run["errors_by_code"])
refused = codes.pop("RESOURCE_EXHAUSTED", 0)
def server_p99(method):
    # The server's own histogram of answered calls (from the handler's start;
    # calls refused at the edge are not in it): the bucket bound that holds
    # 99% of them.
    buckets = []
    for line in open(f"{work}/metrics.txt"):
        if line.startswith("tollgate_rpc_duration_seconds_bucket") and f'method="{method}"' in line:
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float("inf") if bound == "+Inf" else float(bound), float(line.rsplit(" ", 1)[1])))
    buckets.sort()
    if not buckets or buckets[-1][1] == 0:
        return None
    total = buckets[-1][1]
    return next(round(b * 1e6) for b, n in buckets if n >= 0.99 * total)
print(json.dumps({
    "sustainable_rate": capacity,
    "offered_rate": offered,
    "sent": run["sent"],
    "answered": run["ok"],
    "refused": refused,
    "other_errors": codes,
    "dropped_by_generator": run["dropped"],
    "unfinished": run["unfinished"],
    "answered_latency_us": pick(run["ok_latency_us"]),
    "refused_latency_us": pick(run["refused_latency_us"]),
    "server_overload_refusals": counter('tollgate_rejected_total{reason="overload"}'),
    "server_p99_at_most_us": server_p99("AuthorizeBatch" if os.environ.get("CALL") == "authorize-batch" else "Authorize"),
    "send_lag_us_p99": round(run["send_lag_us"]["p99"]) if run.get("send_lag_us") else None,
    "load_average": load,
}))
PY
