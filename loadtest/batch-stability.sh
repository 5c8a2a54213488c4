#!/usr/bin/env bash
# AuthorizeBatch (x1000, closed loop) RUNS times against one `tollgate
# serve`, to see whether the throughput switches between two speeds and
# why: around each run the server's CPU per decision (/proc/PID/stat), its
# software counters (`perf stat`: context switches, CPU migrations, page
# faults; this VM exposes no hardware counters: cycles, instructions and
# cache misses read "not supported"), the machine's steal time (the
# hypervisor giving the vCPUs to someone else, /proc/stat) and the load
# average. Same server process for every run, so allocator warm-up and
# code placement are the same; what differs between runs is the machine.
#
# Usage: loadtest/batch-stability.sh            (RUNS=5 DURATION=6)
# Needs perf (linux-perf) and the release binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
duration=${DURATION:-6}
# shellcheck source=loadtest/common.sh
source loadtest/common.sh
command -v perf >/dev/null || { echo "perf not found" >&2; exit 1; }
start_server "$work"
batch() { "$loadtest" --target "http://$addr" --call authorize-batch --batch-size 1000 --rate max \
  --concurrency 4 --connections 2 --warmup 0s --check-expect --output json --duration "$@"; }
batch 2s >/dev/null
for i in $(seq "$runs"); do
  steal0=$(awk '/^cpu /{print $9}' /proc/stat)
  ticks0=$(awk '{print $14 + $15}' "/proc/$server/stat")
  perf stat -x, -e task-clock,context-switches,cpu-migrations,page-faults -p "$server" \
    -o "$work/perf.$i" -- sleep "$((duration + 1))" &
  stat_pid=$!
  batch "${duration}s" >"$work/report.$i.json"
  wait "$stat_pid"
  steal1=$(awk '/^cpu /{print $9}' /proc/stat)
  ticks1=$(awk '{print $14 + $15}' "/proc/$server/stat")
  python3 - "$work" "$i" "$((steal1 - steal0))" "$((ticks1 - ticks0))" "$(getconf CLK_TCK)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$duration" <<'PY'
import json, sys
work, i, steal, ticks, hz, load, duration = sys.argv[1:]
r = json.load(open(f"{work}/report.{i}.json"))
counters = {}
for line in open(f"{work}/perf.{i}"):
    parts = line.strip().split(",")
    if len(parts) > 3 and parts[0][:1].isdigit():
        counters[parts[2]] = float(parts[0])
d = max(r["decisions"], 1)
print(f"run {i}: {r['decisions_per_s']:.0f} decisions/s, server CPU {int(ticks) / int(hz) * 1e6 / d:.2f} us/decision, "
      f"errors {r['errors']}, mismatches {r['mismatches']}; context switches {counters.get('context-switches', 0):.0f}, "
      f"migrations {counters.get('cpu-migrations', 0):.0f}, page faults {counters.get('page-faults', 0):.0f}; "
      f"steal {int(steal) / int(hz):.2f} s of {int(duration) + 1} s; load average {load}")
PY
done
