#!/usr/bin/env bash
# Checks that the README's serve command (`cargo run --release --bin tollgate`)
# and the test command (tests/run: `cargo test --workspace --release
# --all-targets`) share one build: every dependency the first compiles, the
# second compiles with the same features and profile, so it is reused, not
# compiled again. Builds nothing: it compares cargo's unit graphs
# (`--unit-graph`, which cargo prints without compiling; it is unstable, so
# RUSTC_BOOTSTRAP=1 lets this stable toolchain print it). Takes a few
# seconds. Exit 1, listing each crate built two ways, when they differ.
set -euo pipefail
cd "$(dirname "$0")/.."

graph() {
    RUSTC_BOOTSTRAP=1 cargo "$@" --release --unit-graph -Z unstable-options --quiet
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
graph build --bin tollgate > "$work/serve.json"
graph test --workspace --all-targets > "$work/test.json"

python3 - "$work/serve.json" "$work/test.json" <<'PY'
import json, sys

def units(path):
    """Every dependency unit by its identity: package, target, mode, features,
    profile and (as cargo's artifact hash does) its dependencies' identities."""
    graph = json.load(open(path))
    all_units = graph["units"]
    memo = {}

    def identity(i):
        if i not in memo:
            unit = all_units[i]
            deps = tuple(sorted(identity(d["index"]) for d in unit["dependencies"]))
            memo[i] = (unit["pkg_id"], tuple(unit["target"]["kind"]), unit["target"]["name"],
                       unit["mode"], tuple(unit["features"]),
                       json.dumps(unit["profile"], sort_keys=True), deps)
        return memo[i]

    found = {}
    for i, unit in enumerate(all_units):
        # The workspace's own crates are built as tests there on purpose.
        if unit["pkg_id"].startswith("path+file://"):
            continue
        found[identity(i)] = unit
    return found

serve, test = units(sys.argv[1]), units(sys.argv[2])
twice = [key for key in serve if key not in test]
print(f"{len(serve)} dependency units in the serve build, "
      f"{len(serve) - len(twice)} reused by the test build, {len(twice)} compiled again")
test_features = {}
for key in test:
    test_features.setdefault(key[:4], set()).add(key[4])
for key in sorted(twice):
    pkg, kind, name, mode, features = key[:5]
    own = "" if features in test_features.get(key[:4], set()) else "  (features differ)"
    print(f"  {pkg.split('#')[-1]} {'/'.join(kind)} {name} {mode}{own}")
    if own:
        print(f"      serve: {list(features)}")
        for other in sorted(test_features.get(key[:4], set())):
            print(f"      test:  {list(other)}")
sys.exit(1 if twice else 0)
PY
