#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets, fuzz/corpus/TARGET/, from the
repository's real inputs (nothing here is committed: run it again at will).

- policy_parse: every policy of the conformance scenarios and examples (its
  kind byte first) and the 60 smallest AWS managed policies;
- scenario_read: every conformance scenario alone, the example files whole,
  and one JSON-lines input;
- store_load: the example stores in the `=== PATH` format, whole and per
  account;
- wire_request: the conformance requests encoded as protobuf
  AuthorizeRequest (and batches of them), plus the kept regression inputs;
- request_rules: the conformance requests as fields split by 0xFF
  (principal, action, resource, then context keys and values).

Every target also starts from its kept inputs in fuzz/regressions/TARGET/.
"""

import json
import math
import pathlib
import shutil
import struct

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
CORPUS = FUZZ / "corpus"

KIND_BYTES = {
    "identityPolicies": 0,
    "permissionsBoundary": 1,
    "sessionPolicies": 2,
    "serviceControlPolicies": 3,
    "resourceControlPolicies": 4,
    "resourcePolicy": 5,
}


def scenarios():
    files = sorted((ROOT / "tests/conformance").glob("*.json"))
    files += sorted((ROOT / "examples/simulate").glob("*.json"))
    for path in files:
        data = json.loads(path.read_text())
        for scenario in data if isinstance(data, list) else [data]:
            yield scenario


def policies(scenario):
    for field, kind in KIND_BYTES.items():
        value = scenario.get(field)
        if value is None:
            continue
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield kind, item


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


# --- protobuf, by hand (the four messages are small) ---
def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def text(number, value):
    return field(number, 2, value.encode()) if value else b""


def context_value(value):
    if isinstance(value, bool):
        return field(3, 0, varint(int(value)))
    if isinstance(value, (int, float)) and math.isfinite(value):
        return field(2, 1, struct.pack("<d", float(value)))
    return field(1, 2, str(value).encode())


def authorize_request(scenario):
    request = scenario.get("request", {})
    out = text(1, request.get("principal", ""))
    out += text(2, request.get("action", ""))
    out += text(3, request.get("resource", ""))
    out += text(4, request.get("resourceAccount", ""))
    for key, value in (request.get("context") or {}).items():
        values = value if isinstance(value, list) else [value]
        entry = b"".join(field(1, 2, context_value(v)) for v in values)
        out += field(5, 2, text(1, key) + field(2, 2, entry))
    for policy in scenario.get("sessionPolicies") or []:
        out += text(6, json.dumps(policy))
    out += field(7, 0, varint(1))
    return out


def rules_input(scenario):
    request = scenario.get("request", {})
    fields = [request.get(name, "") for name in ("principal", "action", "resource")]
    for key, value in (request.get("context") or {}).items():
        for v in value if isinstance(value, list) else [value]:
            fields += [key, json.dumps(v) if not isinstance(v, str) else v]
    return b"\xff".join(str(f).encode() for f in fields)


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    for target in ("policy_parse", "scenario_read", "store_load", "wire_request", "request_rules"):
        kept = FUZZ / "regressions" / target
        for path in sorted(kept.iterdir()) if kept.is_dir() else []:
            write(target, "kept-" + path.name, path.read_bytes())

    all_scenarios = list(scenarios())
    requests = []
    for i, scenario in enumerate(all_scenarios):
        write("scenario_read", f"scenario-{i:04}.json", json.dumps(scenario, indent=1).encode())
        for j, (kind, policy) in enumerate(policies(scenario)):
            write("policy_parse", f"scenario-{i:04}-{j}", bytes([kind]) + json.dumps(policy).encode())
        message = authorize_request(scenario)
        requests.append(message)
        write("wire_request", f"request-{i:04}", b"\x00" + message)
        write("request_rules", f"request-{i:04}", rules_input(scenario))
    for i in range(0, len(requests), 8):
        batch = b"".join(field(1, 2, m) for m in requests[i : i + 8])
        write("wire_request", f"batch-{i:04}", b"\x01" + batch)
    for path in sorted((ROOT / "examples/simulate").glob("*.json")):
        write("scenario_read", "example-" + path.name, path.read_bytes())
    lines = "\n".join(json.dumps(s) for s in all_scenarios[:5]) + "\n"
    write("scenario_read", "lines.jsonl", lines.encode())

    managed = json.loads((ROOT / "tests/data/aws-managed-policies.json").read_text())
    smallest = sorted(managed.items(), key=lambda item: len(json.dumps(item[1]["document"])))
    for name, entry in smallest[:60]:
        write("policy_parse", f"managed-{name}", b"\x00" + json.dumps(entry["document"]).encode())

    for store in sorted((ROOT / "tests/data/store").iterdir()):
        files = sorted(p for p in store.rglob("*.json") if p.is_file())
        whole = b"".join(b"=== " + str(p.relative_to(store)).encode() + b"\n" + p.read_bytes() + b"\n" for p in files)
        write("store_load", f"store-{store.name}", whole)
        for account in sorted((store / "accounts").glob("*")):
            part = [p for p in files if account in p.parents]
            data = b"".join(b"=== " + str(p.relative_to(store)).encode() + b"\n" + p.read_bytes() + b"\n" for p in part)
            write("store_load", f"store-{store.name}-{account.name}", data)
        details = store / "accounts"
        for page in sorted(details.glob("*/authorization-details*.json")):
            write("store_load", f"details-{store.name}-{page.parent.name}", page.read_bytes())

    for target in sorted(CORPUS.iterdir()):
        print(f"{target.name}: {sum(1 for _ in target.iterdir())} seeds")


if __name__ == "__main__":
    main()
