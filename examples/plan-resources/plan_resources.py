#!/usr/bin/env python3
"""List the rows of a table that a principal may act on, with one
PlanResources call instead of one Authorize call per row.

    pip install -r examples/plan-resources/requirements.txt
    python3 examples/plan-resources/plan_resources.py ADDR PRINCIPAL ACTION PREFIX [KEY=VALUE ...]

    python3 examples/plan-resources/plan_resources.py 127.0.0.1:50051 \\
        arn:aws:iam::111122223333:user/alice s3:PutObject arn:aws:s3:::example-photos/ \\
        aws:SecureTransport=true aws:RequestedRegion=us-east-1

Builds an in-memory SQLite table of S3-like objects (`objects`: one row per
object, its ARN in `arn`), asks the sidecar at ADDR for the plan of
PRINCIPAL doing ACTION on the ARNs that start with PREFIX, turns the plan's
filter into an SQL WHERE clause and prints the SQL and the rows it selects.

The filter (docs/access-queries.md, "PlanResources") becomes SQL as follows:
`like` is `arn LIKE ? ESCAPE '\\'` (the glob's `*` is `%`, `?` is `_`,
and the SQL wildcards and the escape character in the ARN text are escaped),
`not`, `all` and `any` are NOT, AND and OR, and a `context` node -- a
condition on a context key the request did not give -- is decided here, from
what the application knows of the request (KEY=VALUE), into 1=1 or 1=0. A key
the application does not know either is treated as absent, as Authorize
would treat it. LIKE is made case-sensitive (`PRAGMA case_sensitive_like`),
as ARN matching is.

Nothing is generated: the message types come from the server through gRPC
server reflection, as in examples/grpc/authorize.py.
"""

import re
import sqlite3
import sys
from datetime import datetime

import grpc
from google.protobuf import descriptor_pool, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

SERVICE = "tollgate.v1.Authorizer"

# The objects of the example table: (bucket, key). ARNs are
# arn:aws:s3:::BUCKET/KEY. Keys with SQL wildcards and other cases check
# that the translation escapes them and stays case-sensitive.
OBJECTS = [
    ("example-photos", "cat.jpg"),
    ("example-photos", "public/dog.jpg"),
    ("example-photos", "public/2025/owl.png"),
    ("example-photos", "team/data/report.csv"),
    ("example-photos", "team/data/50%_off.png"),
    ("example-photos", "team/Data/upper.csv"),
    ("example-photos", "team/platform/runbook.md"),
    ("example-photos", "team/data_x/other.csv"),
    ("example-photos", "PUBLIC/shout.jpg"),
    ("example-photos-archive", "cat.jpg"),
    ("build-artifacts", "app/1.0/app.tar.gz"),
    ("build-artifacts", "team/data/model.bin"),
]


def message_types(channel):
    """The tollgate.v1 message classes and enums, as the server describes them."""
    pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    pool.FindServiceByName(SERVICE)  # loads the service's file and its imports
    names = [
        "PlanResourcesRequest",
        "PlanResourcesResponse",
        "AuthorizeRequest",
        "AuthorizeResponse",
        "ContextValue",
    ]
    classes = {
        n: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tollgate.v1.{n}"))
        for n in names
    }
    enums = {n: pool.FindEnumTypeByName(f"tollgate.v1.{n}") for n in ["PlanKind", "Decision"]}
    return classes, enums


def call(channel, types, method, request_type, response_type):
    return channel.unary_unary(
        f"/{SERVICE}/{method}",
        request_serializer=lambda message: message.SerializeToString(),
        response_deserializer=types[response_type].FromString,
    )


def with_context(types, request, context):
    for key, value in context.items():
        request.context[key].values.append(types["ContextValue"](string_value=value))
    return request


def plan(channel, types, principal, action, prefix, context):
    """The PlanResourcesResponse for the question."""
    request = types["PlanResourcesRequest"](
        principal=principal, action=action, resource_prefix=prefix
    )
    with_context(types, request, context)
    ask = call(channel, types, "PlanResources", "PlanResourcesRequest", "PlanResourcesResponse")
    return ask(request, timeout=10)


def glob_to_like(glob):
    """A filter glob as an SQL LIKE pattern with `\\` as the escape character."""
    out = []
    chars = iter(glob)
    for c in chars:
        if c == "*":
            out.append("%")
        elif c == "?":
            out.append("_")
        else:
            if c == "\\":
                c = next(chars, "")
            if c in ("%", "_", "\\"):
                out.append("\\")
            out.append(c)
    return "".join(out)


def glob_matches(glob, text):
    """The whole of `text` matches the filter glob."""
    parts = []
    chars = iter(glob)
    for c in chars:
        if c == "*":
            parts.append(".*")
        elif c == "?":
            parts.append(".")
        elif c == "\\":
            parts.append(re.escape(next(chars, "")))
        else:
            parts.append(re.escape(c))
    return re.fullmatch("".join(parts), text, re.DOTALL) is not None


def as_number(text):
    """The value as a number (dates: epoch seconds), or None."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def as_bool(text):
    lowered = text.lower()
    return {"true": True, "false": False}.get(lowered)


def condition_holds(condition, known):
    """A `context` node of the filter, decided from the keys the application
    knows (`known`: key -> one value; keys compare without case)."""
    lowered = {k.lower(): v for k, v in known.items()}
    value = lowered.get(condition.key.lower())
    which = condition.WhichOneof("value")
    if value is None:
        return which == "absent"
    if which == "absent":
        return False
    if which == "equals":
        return value == condition.equals
    if which == "none_of":
        return value not in condition.none_of.values
    if which == "matches":
        m = condition.matches
        return all(glob_matches(g, value) for g in m.like) and not any(
            glob_matches(g, value) for g in m.not_like
        )
    if which in ("number", "between", "not_a_number"):
        n = as_number(value)
        if which == "not_a_number":
            return n is None
        if n is None:
            return False
        if which == "number":
            return n == condition.number
        r = condition.between
        return (not r.HasField("above") or n > r.above) and (not r.HasField("below") or n < r.below)
    if which == "boolean":
        return as_bool(value) == condition.boolean
    if which == "not_a_boolean":
        return as_bool(value) is None
    raise ValueError(f"unknown condition class {which!r}: update this example")


def to_sql(node, known):
    """(SQL boolean expression over `arn`, parameters) for a PlanFilter."""
    which = node.WhichOneof("node")
    if which == "constant":
        return ("1=1" if node.constant else "1=0"), []
    if which == "like":
        return "arn LIKE ? ESCAPE '\\'", [glob_to_like(node.like)]
    if which == "not":
        sql, params = to_sql(getattr(node, "not"), known)
        return f"NOT ({sql})", params
    if which in ("all", "any"):
        parts = [to_sql(f, known) for f in getattr(node, which).filters]
        if not parts:
            return ("1=1" if which == "all" else "1=0"), []
        joiner = " AND " if which == "all" else " OR "
        return joiner.join(f"({s})" for s, _ in parts), [p for _, ps in parts for p in ps]
    if which == "context":
        return ("1=1" if condition_holds(node.context, known) else "1=0"), []
    raise ValueError(f"unknown filter node {which!r}: update this example")


def make_table():
    """An in-memory database with the example objects."""
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA case_sensitive_like = ON")
    if db.execute("SELECT 'a' LIKE 'A'").fetchone()[0]:
        raise RuntimeError("this SQLite cannot make LIKE case-sensitive")
    db.execute("CREATE TABLE objects (arn TEXT PRIMARY KEY, bucket TEXT, key TEXT)")
    db.executemany(
        "INSERT INTO objects VALUES (?, ?, ?)",
        [(f"arn:aws:s3:::{b}/{k}", b, k) for b, k in OBJECTS],
    )
    return db


def allowed_rows(db, answer, prefix, known):
    """(SQL, ARNs of the rows below `prefix` the plan allows)."""
    sql, params = to_sql(answer.filter, known)
    query = f"SELECT arn FROM objects WHERE substr(arn, 1, ?) = ? AND ({sql}) ORDER BY arn"
    params = [len(prefix), prefix] + params
    return query, [row[0] for row in db.execute(query, params)]


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    addr, principal, action, prefix, *pairs = argv[1:]
    known = dict(pair.partition("=")[::2] for pair in pairs)
    db = make_table()
    with grpc.insecure_channel(addr) as channel:
        types, enums = message_types(channel)
        answer = plan(channel, types, principal, action, prefix, known)
    print("plan:", enums["PlanKind"].values_by_number[answer.kind].name)
    if answer.missing_keys:
        print("keys not given:", ", ".join(answer.missing_keys))
    query, rows = allowed_rows(db, answer, prefix, known)
    print("sql:", query)
    for arn in rows:
        print(" ", arn)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
