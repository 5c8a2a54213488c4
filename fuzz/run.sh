#!/usr/bin/env bash
# Fuzzes every target (or those named) for a while, one after another, each
# in one process: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Seeds come from fuzz/seed.py (the repository's real inputs) and
# fuzz/regressions/TARGET; the corpus grows in fuzz/corpus/TARGET (not
# committed). A crash is written to fuzz/artifacts/TARGET/; reproduce it
# with `cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-...`, fix the
# library, then keep the input in fuzz/regressions/TARGET/ (the normal tests
# replay it: crates/fuzzing/tests/regressions.rs).
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); on the stable
# toolchain RUSTC_BOOTSTRAP=1 enables the nightly flags it passes. Built
# with debug assertions (overflow checks, as the release profile has) and no
# sanitizer by default: the fuzzed crates forbid unsafe code, and panics are
# what is hunted; SANITIZER=address turns ASan on.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(policy_parse store_load scenario_read wire_request request_rules)
fi
export RUSTC_BOOTSTRAP=1

python3 seed.py
for target in "${targets[@]}"; do
    echo "== $target for ${seconds}s"
    cargo fuzz run -s "${SANITIZER:-none}" --debug-assertions "$target" "corpus/$target" -- \
        -dict=iam.dict -max_len=32768 -timeout=10 -rss_limit_mb=2048 \
        -max_total_time="$seconds" -print_final_stats=1
done
