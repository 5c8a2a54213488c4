#!/usr/bin/env bash
# What a hot swap costs the calls in flight: Authorize p99 at a steady
# open-loop rate while the store is swapped SWAPS times (a user file
# rewritten in the folder the server watches, each time a new revision),
# versus the same run without swaps, REPEAT times each, alternating.
#
# The store (default: the example store) is copied to a temporary folder
# first; BIG=N adds N generated users of 10 statements each to the copy, so
# every swap recompiles a larger store (the reload runs off the request
# path, but on this machine's cores).
#
# A generated store (`tollgate workload --name enterprise --out DIR`) is
# loaded with its own requests: STORE_DIR=DIR/store, REQUESTS=DIR/requests.jsonl.
# A swap of such a store recompiles it whole (about 3 s for enterprise);
# rewrites that come while a reload runs are merged into the next one.
#
# Usage: loadtest/hot-swap.sh [RATE] [SECONDS] [SWAPS] [STORE_DIR]
# Environment: TOLLGATE, LOADTEST (binaries), REPEAT (default 3), BIG (default 0),
# REQUESTS (a JSON-lines request file; default: the load tester's built-in sample),
# SERVE_ARGS (more `tollgate serve` flags, such as `--reload-priority normal`).
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-5000}
seconds=${2:-30}
swaps=${3:-100}
source_store=${4:-tests/data/store/example}
repeat=${REPEAT:-3}
big=${BIG:-0}
requests=${REQUESTS:-}
read -r -a serve_args <<< "${SERVE_ARGS:-}"
# shellcheck source=loadtest/common.sh
source loadtest/common.sh

store="$work/store"
cp -r "$source_store" "$store"
if [ "$big" -gt 0 ]; then
  python3 - "$store" "$big" <<'PY'
import json, os, random, sys
store, users = sys.argv[1], int(sys.argv[2])
rng = random.Random(6)
actions = ["s3:GetObject", "s3:PutObject", "s3:List*", "dynamodb:GetItem", "dynamodb:Query",
           "sqs:SendMessage", "sqs:*", "kms:Decrypt", "ec2:Describe*", "lambda:InvokeFunction"]
folder = os.path.join(store, "accounts", "111122223333", "users")
os.makedirs(folder, exist_ok=True)
for u in range(users):
    statements = []
    for s in range(10):
        bucket = f"gen-{rng.randrange(1000)}"
        statements.append({
            "Sid": f"S{s}", "Effect": "Deny" if rng.random() < 0.1 else "Allow",
            "Action": rng.sample(actions, 2),
            "Resource": f"arn:aws:s3:::{bucket}/*" if rng.random() < 0.5 else f"arn:aws:s3:::{bucket}/team-{u % 50}/*",
        })
    with open(os.path.join(folder, f"gen-{u}.json"), "w") as f:
        json.dump({"InlinePolicies": {"generated": {"Version": "2012-10-17", "Statement": statements}}}, f)
PY
fi

START_SECONDS=60 start_server "$work" --store "$store" --reload-debounce-ms 20 \
  --rescan-interval-secs 0 "${serve_args[@]}"

echo "store $source_store (+$big generated users)${requests:+, requests $requests}, $rate calls/s for ${seconds}s, $swaps swaps; load: $(cut -d' ' -f1-3 /proc/loadavg)"
summary() {
  python3 -c 'import json, sys
r = json.load(sys.stdin); l = r["latency_us"]
print("p50 %.0f us  p99 %.0f us  p99.9 %.0f us  max %.0f us  errors %d dropped %d mismatches %d revisions %d swaps %d"
      % (l["p50"], l["p99"], l["p99_9"], l["max"], r["errors"], r["dropped"], r["mismatches"], r["revisions_seen"], r["swaps"]))'
}
for run in $(seq "$repeat"); do
  common=(--target "http://$addr" --rate "$rate" --duration "${seconds}s" --warmup 1s --check-expect --output json)
  [ -n "$requests" ] && common+=(--requests "$requests")
  echo -n "run $run without swaps: "
  "$loadtest" "${common[@]}" | summary
  echo -n "run $run with swaps:    "
  "$loadtest" "${common[@]}" --swap-store "$store" --swaps "$swaps" | summary
done
