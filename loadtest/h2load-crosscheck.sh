#!/usr/bin/env bash
# Cross-checks tollgate-loadtest's throughput with an independent HTTP/2
# client, h2load (Debian: apt-get install nghttp2-client). Both tools load
# the same `tollgate serve` (embedded example store) with the same unary
# Authorize call (the built-in sample's first request, encoded by
# `tollgate-loadtest --write-frame`), the same connections and the same
# concurrent streams, one after the other; the script prints both rates.
#
# h2load judges success by the HTTP status only (gRPC errors travel in
# trailers), so the load tester's run uses --check-expect to show that the
# calls succeed and answer as expected.
#
# Usage: loadtest/h2load-crosscheck.sh [SECONDS] [CONNECTIONS] [STREAMS_PER_CONNECTION]
# Environment: TOLLGATE, LOADTEST (binaries; default target/release/...),
# REPEAT (runs of each tool, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-4}
streams=${3:-16}
repeat=${REPEAT:-3}
# shellcheck source=loadtest/common.sh
source loadtest/common.sh
need_h2load

start_server "$work"

head -n 1 loadtest/requests/example.jsonl >"$work/one.jsonl"
"$loadtest" --requests "$work/one.jsonl" --write-frame "$work/frame.bin"

echo "server $addr, $connections connections x $streams streams, ${seconds}s per run, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$repeat"); do
  h2rate=$(h2load -D "$seconds" --warm-up-time 1 -c "$connections" -m "$streams" -t 1 \
      -d "$work/frame.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
      "http://$addr/tollgate.v1.Authorizer/Authorize" \
    | sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p')
  ltrate=$("$loadtest" --target "http://$addr" --requests "$work/one.jsonl" --check-expect \
      --rate max --connections "$connections" --concurrency $((connections * streams)) \
      --duration "${seconds}s" --warmup 1s --output json \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["errors"]==0 and r["mismatches"]==0, r; print(round(r["achieved_rate"]))')
  echo "run $run: h2load ${h2rate} req/s, tollgate-loadtest ${ltrate} calls/s"
done
