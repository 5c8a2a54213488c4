#!/usr/bin/env bash
# The long fault and soak runs behind docs/reliability.md (the short versions
# run in tests/run). Loopback only; each step is bounded in time.
#
#   tests/soak/run.sh               # all: about 15 minutes on 2 cores
#   SOAK_SECS=120 tests/soak/run.sh # a shorter memory soak
#
# Settings (environment): SOAK_SECS (600), SOAK_PAUSE_MS (50: each client
# pauses after each 500-request batch, so the run leaves a core free),
# HOT_RELOADS (1000), OUTAGE_SECS (180; needs moto, from tests/python/venv.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

SOAK_SECS=${SOAK_SECS:-600}
SOAK_PAUSE_MS=${SOAK_PAUSE_MS:-50}
HOT_RELOADS=${HOT_RELOADS:-1000}
OUTAGE_SECS=${OUTAGE_SECS:-180}

run() { cargo test --release -p tollgate-server "$@" -- --nocapture 2>&1 | grep -E '^(soak:|[0-9]+ (rewrites|decisions)|outage|recovered|test result)'; }

echo "== $HOT_RELOADS hot reloads under load"
TOLLGATE_HOT_RELOADS=$HOT_RELOADS run --test hot_reload reloads_under_load

echo "== memory over a ${SOAK_SECS}s soak of distinct requests"
TOLLGATE_SOAK_SECS=$SOAK_SECS TOLLGATE_SOAK_PAUSE_MS=$SOAK_PAUSE_MS run --test soak

echo "== object storage unreachable for ${OUTAGE_SECS}s"
VENV=$(tests/python/venv.sh)
TOLLGATE_MOTO_SERVER="$VENV/bin/moto_server" TOLLGATE_OUTAGE_SECS=$OUTAGE_SECS \
  run --test object_store storage_outage_keeps_serving_and_recovers
