#!/usr/bin/env bash
# What the decision audit log costs: Authorize latency at a steady open-loop
# rate with the audit log off, then on (every decision written to a file),
# REPEAT times each, alternating, each run against a fresh server on the
# embedded example store. Prints one summary line per run and the p99 ratio.
#
# GENERATOR=h2load drives the calls with h2load through
# loadtest/h2load-rate.sh (far less CPU per call than the load tester, so at
# 30,000 calls/s the two cores are not saturated by the generator); the
# default is tollgate-loadtest, open loop.
#
# Usage: loadtest/audit-cost.sh [RATE] [SECONDS]
# Environment: TOLLGATE, LOADTEST (binaries), REPEAT (default 3),
# CONNECTIONS (default 4), GENERATOR (loadtest | h2load), TICK (the load
# tester's --tick, default 200us).
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-30000}
seconds=${2:-10}
repeat=${REPEAT:-3}
connections=${CONNECTIONS:-4}
generator=${GENERATOR:-loadtest}
tick=${TICK:-200us}
tollgate=${TOLLGATE:-target/release/tollgate}
loadtest=${LOADTEST:-target/release/tollgate-loadtest}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # $1: label, then extra server arguments
  local label=$1
  shift
  if [ "$generator" = h2load ]; then
    TOLLGATE="$tollgate" LOADTEST="$loadtest" loadtest/h2load-rate.sh "$rate" "$seconds" -- "$@" \
      >"$work/$label.json"
  else
    local args=()
    for arg in "$@"; do args+=("--server-arg=$arg"); done
    "$loadtest" --spawn-server "$tollgate" ${args[@]+"${args[@]}"} \
      --rate "$rate" --duration "${seconds}s" --warmup 2s --connections "$connections" \
      --tick "$tick" --check-expect --output json >"$work/$label.json"
  fi
  python3 - "$work/$label.json" "$label" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lat = r["latency_us"]
achieved = r.get("achieved_rate", r.get("rate_achieved"))
failed = r.get("errors", r.get("grpc_errors", 0) + r.get("http_failures", 0))
extra = (f'mismatches {r["mismatches"]}  dropped {r["dropped"]}' if "mismatches" in r
         else f'decisions {r["decisions"]} of {r["calls_sent"]} calls  load {r["load_average"]}')
print(f'{sys.argv[2]:>4}: achieved {achieved:>9.0f}/s  p50 {lat["p50"]:>8.0f} us  '
      f'p99 {lat["p99"]:>8.0f} us  p99.9 {lat["p99_9"]:>8.0f} us  errors {failed}  {extra}')
PY
}

for i in $(seq "$repeat"); do
  echo "== run $i of $repeat: $rate calls/s for ${seconds}s"
  run off
  cp "$work/off.json" "$work/off-$i.json"
  rm -f "$work/audit.log"*
  run on "--audit-log=$work/audit.log"
  cp "$work/on.json" "$work/on-$i.json"
  echo "   audit lines written: $(cat "$work"/audit.log* 2>/dev/null | wc -l)"
done
python3 - "$work" "$repeat" <<'PY'
import json, statistics, sys
work, repeat = sys.argv[1], int(sys.argv[2])
p99 = lambda label: [json.load(open(f"{work}/{label}-{i}.json"))["latency_us"]["p99"] for i in range(1, repeat + 1)]
off, on = p99("off"), p99("on")
print(f"p99 off: {off} us, on: {on} us; median on/off = {statistics.median(on) / statistics.median(off):.2f}")
PY
