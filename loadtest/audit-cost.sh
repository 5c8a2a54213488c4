#!/usr/bin/env bash
# What the decision audit log costs: Authorize latency at a steady open-loop
# rate with the audit log off, then on (every decision written to a file),
# REPEAT times each, alternating, each run against a fresh server on the
# embedded example store. Prints one summary line per run and the p99 ratio.
#
# Usage: loadtest/audit-cost.sh [RATE] [SECONDS]
# Environment: TOLLGATE, LOADTEST (binaries), REPEAT (default 3),
# CONNECTIONS (default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-30000}
seconds=${2:-10}
repeat=${REPEAT:-3}
connections=${CONNECTIONS:-4}
tollgate=${TOLLGATE:-target/release/tollgate}
loadtest=${LOADTEST:-target/release/tollgate-loadtest}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # $1: label, then extra server arguments
  local label=$1
  shift
  local args=()
  for arg in "$@"; do args+=("--server-arg=$arg"); done
  "$loadtest" --spawn-server "$tollgate" ${args[@]+"${args[@]}"} \
    --rate "$rate" --duration "${seconds}s" --warmup 2s --connections "$connections" \
    --check-expect --output json >"$work/$label.json"
  python3 - "$work/$label.json" "$label" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lat = r["latency_us"]
print(f'{sys.argv[2]:>4}: achieved {r["achieved_rate"]:>9.0f}/s  p50 {lat["p50"]:>8.0f} us  '
      f'p99 {lat["p99"]:>8.0f} us  p99.9 {lat["p99_9"]:>8.0f} us  errors {r["errors"]}  mismatches {r["mismatches"]}  dropped {r["dropped"]}')
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
