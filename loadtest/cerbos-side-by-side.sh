#!/usr/bin/env bash
# tollgate and Cerbos PDP side by side: the same kind of question (may
# alice read an object of the photos bucket), the same generator (h2load,
# the same flags), the servers run one after the other in interleaved
# pairs (tollgate then Cerbos, PAIRS times per rate) so that whatever else
# the machine does falls on both alike.
#
# Cerbos PDP comes from the npm registry (@cerbos/cerbos-linux-x64, which
# ships the server binary), unpacked into target/cerbos/ the first time.
# Its policy (written into the scratch folder) is the RBAC-style equivalent
# of the example store's rule for alice: the role `photos_reader` may
# `s3:GetObject` a resource of kind `s3_object` whose id is an object ARN
# under `arn:aws:s3:::example-photos/`; alice has that role. tollgate
# serves its built-in example store; both answer ALLOW.
#
# Each run offers RATE calls per second (RATE "max": as fast as h2load
# goes) for SECONDS over CLIENTS connections with at most STREAMS calls
# outstanding on each. The servers are started once and warmed; around each
# run the script reads the server's CPU time (utime + stime of
# /proc/PID/stat) and its answer count from h2load, and prints one line per
# run and a summary per rate: calls/s answered and server CPU per call, and
# the ratios. Every answer is checked: h2load counts non-200s, and a sample
# answer's grpc-status and decision are checked with curl before the runs.
#
# Usage: loadtest/cerbos-side-by-side.sh [RATE...]     (default: 1000 5000 max)
# Environment: PAIRS (default 5), DURATION (seconds per run, default 8), CLIENTS (default 30),
# STREAMS (default 8), CERBOS_VERSION (default 0.55.0), CERBOS (a cerbos
# binary to use instead), TOLLGATE (default target/release/tollgate),
# SERVER_CPUS / GENERATOR_CPUS (taskset lists).
set -euo pipefail
cd "$(dirname "$0")/.."
rates=("$@")
[ ${#rates[@]} -eq 0 ] && rates=(1000 5000 max)
pairs=${PAIRS:-5}
seconds=${DURATION:-8}
clients=${CLIENTS:-30}
streams=${STREAMS:-8}
version=${CERBOS_VERSION:-0.55.0}
# shellcheck source=loadtest/common.sh
source loadtest/common.sh
need_h2load
command -v curl >/dev/null || { echo "curl not found" >&2; exit 1; }

# --- Cerbos, from the npm registry ------------------------------------------
cerbos=${CERBOS:-target/cerbos/$version/package/cerbos-linux-x64}
if [ ! -x "$cerbos" ]; then
  command -v npm >/dev/null || { echo "npm not found (needed to fetch @cerbos/cerbos-linux-x64)" >&2; exit 1; }
  dir=target/cerbos/$version
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "@cerbos/cerbos-linux-x64@$version" >/dev/null && tar xzf cerbos-cerbos-linux-x64-"$version".tgz)
  chmod +x "$cerbos"
fi
"$cerbos" --version | head -n 1 >&2

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$work/policies"
cat >"$work/policies/s3_object.yaml" <<'YAML'
apiVersion: api.cerbos.dev/v1
resourcePolicy:
  version: default
  resource: s3_object
  rules:
    - actions: ["s3:GetObject"]
      effect: EFFECT_ALLOW
      roles: ["photos_reader"]
      condition:
        match:
          expr: request.resource.id.startsWith("arn:aws:s3:::example-photos/")
YAML
cerbos_grpc=127.0.0.1:$(free_port)
cerbos_http=127.0.0.1:$(free_port)
cat >"$work/cerbos.yaml" <<YAML
server:
  httpListenAddr: "$cerbos_http"
  grpcListenAddr: "$cerbos_grpc"
storage:
  driver: disk
  disk:
    directory: $work/policies
    watchForChanges: false
audit:
  enabled: false
YAML

# --- the two request bodies (gRPC frames) ------------------------------------
start_server "$work"
tollgate_pid=$server
head -n 1 loadtest/requests/example.jsonl >"$work/one.jsonl"
"$loadtest" --requests "$work/one.jsonl" --write-frame "$work/tollgate.bin"
python3 - "$work/cerbos.bin" <<'PY'
# cerbos.request.v1.CheckResourcesRequest, encoded by hand (field numbers
# from cerbos/request/v1/request.proto): request_id 1, principal 3 {id 1,
# roles 3}, resources 4 {actions 1, resource 2 {kind 1, id 3}}.
import struct, sys
def key(field, wire): return bytes([field << 3 | wire])
def varint(n):
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n: return out
def field(number, payload):
    if isinstance(payload, str): payload = payload.encode()
    return key(number, 2) + varint(len(payload)) + payload
principal = field(1, "alice") + field(3, "photos_reader")
resource = field(1, "s3_object") + field(3, "arn:aws:s3:::example-photos/cat.jpg")
entry = field(1, "s3:GetObject") + field(2, resource)
message = field(1, "side-by-side") + field(3, principal) + field(4, entry)
open(sys.argv[1], "wb").write(b"\0" + struct.pack(">I", len(message)) + message)
PY

"${server_pin[@]}" "$cerbos" server --config="$work/cerbos.yaml" --log-level=warn >"$work/cerbos.log" 2>&1 &
cerbos_pid=$!
# common.sh's cleanup stops `server` only; stop Cerbos too.
trap 'kill "$cerbos_pid" 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do
  curl -fsS "http://$cerbos_http/_cerbos/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://$cerbos_http/_cerbos/health" >/dev/null || { echo "Cerbos did not start:" >&2; cat "$work/cerbos.log" >&2; exit 1; }

# One call to each, answer checked: gRPC status 0 and an allow.
check() { # NAME ADDR PATH FRAME EXPECT_BYTES
  curl -sS --http2-prior-knowledge -o "$work/$1.answer" -D "$work/$1.headers" \
    -H 'content-type: application/grpc' -H 'te: trailers' --data-binary "@$4" "http://$2$3" || true
  grep -qi '^grpc-status: 0' "$work/$1.headers" || { echo "$1: the sample call failed:" >&2; cat "$work/$1.headers" >&2; exit 1; }
  python3 - "$work/$1.answer" "$5" "$1" <<'PY'
import sys
answer, expect, name = open(sys.argv[1], "rb").read(), bytes.fromhex(sys.argv[2]), sys.argv[3]
if expect not in answer:
    sys.exit(f"{name}: the sample answer is not an allow: {answer.hex()}")
PY
}
# tollgate: AuthorizeResponse.decision (field 1) = ALLOWED (1): 08 01.
check tollgate "$addr" /tollgate.v1.Authorizer/Authorize "$work/tollgate.bin" 0801
# Cerbos: the action's effect EFFECT_ALLOW (1) in the result's actions map:
# key "s3:GetObject", value 10 01.
check cerbos "$cerbos_grpc" /cerbos.svc.v1.CerbosService/CheckResources "$work/cerbos.bin" "$(printf 's3:GetObject' | xxd -p)1001"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# run NAME PID ADDR PATH FRAME RATE: one h2load run; prints a JSON line.
run() {
  local name=$1 pid=$2 target=$3 path=$4 frame=$5 rate=$6 rps=()
  [ "$rate" != max ] && rps=(--rps "$(( (rate + clients - 1) / clients ))")
  local before after
  before=$(cpu_ticks "$pid")
  "${generator_pin[@]}" h2load -D "$seconds" -c "$clients" -m "$streams" -t 1 "${rps[@]}" \
    -d "$frame" -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://$target$path" >"$work/h2load.out"
  after=$(cpu_ticks "$pid")
  python3 - "$work/h2load.out" "$name" "$rate" "$seconds" "$((after - before))" "$hz" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, re, sys
out, name, rate, seconds, ticks, hz, load = open(sys.argv[1]).read(), *sys.argv[2:]
m = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
ok, failed = int(m.group(1)), sum(int(m.group(i)) for i in (2, 3, 4))
m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
errored = int(m.group(5)) + int(m.group(6))
cpu = int(ticks) / int(hz)
print(json.dumps({"server": name, "rate": rate, "calls_per_s": round(ok / int(seconds)),
                  "server_cpu_us_per_call": round(cpu * 1e6 / max(ok, 1), 1),
                  "server_cores": round(cpu / int(seconds), 2), "failed": failed + errored,
                  "load_average": load}))
PY
}

# Warm both (connection setup, first-call paths, Go's GC sizing).
seconds_saved=$seconds; seconds=2
run tollgate "$tollgate_pid" "$addr" /tollgate.v1.Authorizer/Authorize "$work/tollgate.bin" 2000 >/dev/null
run cerbos "$cerbos_pid" "$cerbos_grpc" /cerbos.svc.v1.CerbosService/CheckResources "$work/cerbos.bin" 2000 >/dev/null
seconds=$seconds_saved

for rate in "${rates[@]}"; do
  for _ in $(seq "$pairs"); do
    run tollgate "$tollgate_pid" "$addr" /tollgate.v1.Authorizer/Authorize "$work/tollgate.bin" "$rate" | tee -a "$work/results.jsonl"
    run cerbos "$cerbos_pid" "$cerbos_grpc" /cerbos.svc.v1.CerbosService/CheckResources "$work/cerbos.bin" "$rate" | tee -a "$work/results.jsonl"
  done
done

python3 - "$work/results.jsonl" <<'PY'
import json, sys, statistics
rows = [json.loads(line) for line in open(sys.argv[1])]
print("\nrate     server    calls/s (min-max)        server CPU us/call (min-max)   failed")
by = {}
for r in rows:
    by.setdefault((r["rate"], r["server"]), []).append(r)
for rate in dict.fromkeys(r["rate"] for r in rows):
    med = {}
    for name in ("tollgate", "cerbos"):
        runs = by.get((rate, name), [])
        if not runs: continue
        calls = [r["calls_per_s"] for r in runs]
        cpu = [r["server_cpu_us_per_call"] for r in runs]
        med[name] = (statistics.median(calls), statistics.median(cpu))
        print(f"{rate:<8} {name:<9} {min(calls):>8}-{max(calls):<8} (median {med[name][0]:>8.0f})  "
              f"{min(cpu):>6.1f}-{max(cpu):<6.1f} (median {med[name][1]:>6.1f})  {sum(r['failed'] for r in runs)}")
    if len(med) == 2:
        print(f"{rate:<8} ratio     throughput x{med['tollgate'][0] / max(med['cerbos'][0], 1):.2f}, "
              f"CPU per call: Cerbos / tollgate = {med['cerbos'][1] / max(med['tollgate'][1], 0.001):.1f}")
PY
