"""examples/plan-resources against the server at ``TOLLGATE_ADDR`` (the
built-in example store; tests/python/run.sh starts it): for several
principals, actions, prefixes and contexts, the rows the plan's SQL filter
selects are exactly the rows ``Authorize`` allows, asked row by row.
"""

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "plan-resources" / "plan_resources.py"

QUESTIONS = [
    # Conditional by resource: her team's prefix only (and TLS, region).
    ("arn:aws:iam::111122223333:user/alice", "s3:PutObject"),
    ("arn:aws:iam::111122223333:user/alice", "s3:GetObject"),
    ("arn:aws:iam::111122223333:user/bob", "s3:PutObject"),
    ("arn:aws:iam::111122223333:role/photo-app", "s3:GetObject"),
    # Cross-account: the bucket policy lets another account's role in.
    ("arn:aws:iam::444455556666:role/ci", "s3:GetObject"),
    # Outside the store: a partner account, the public prefix only.
    ("arn:aws:iam::777788889999:root", "s3:GetObject"),
    # Denied everywhere.
    ("arn:aws:iam::111122223333:user/nobody", "s3:GetObject"),
    ("anonymous", "s3:GetObject"),
]
PREFIXES = ["arn:aws:s3:::", "arn:aws:s3:::example-photos/", "arn:aws:s3:::example-photos/team/"]
CONTEXTS = [
    {},
    {"aws:SecureTransport": "true", "aws:RequestedRegion": "us-east-1"},
    {"aws:SecureTransport": "false", "aws:RequestedRegion": "us-east-1"},
    {"aws:SecureTransport": "true", "aws:RequestedRegion": "ap-south-2"},
    {"aws:SecureTransport": "true"},
]


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("plan_resources", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_filtered_rows_are_the_rows_authorize_allows(example, channel):
    types, enums = example.message_types(channel)
    authorize = example.call(channel, types, "Authorize", "AuthorizeRequest", "AuthorizeResponse")
    allowed = enums["Decision"].values_by_name["ALLOWED"].number
    db = example.make_table()
    everything = [row[0] for row in db.execute("SELECT arn FROM objects ORDER BY arn")]
    kinds = set()
    for principal, action in QUESTIONS:
        for prefix in PREFIXES:
            open_plan = example.plan(channel, types, principal, action, prefix, {})
            kinds.add(enums["PlanKind"].values_by_number[open_plan.kind].name)
            for context in CONTEXTS:
                expected = []
                for arn in everything:
                    if not arn.startswith(prefix):
                        continue
                    request = types["AuthorizeRequest"](
                        principal=principal, action=action, resource=arn
                    )
                    example.with_context(types, request, context)
                    if authorize(request, timeout=10).decision == allowed:
                        expected.append(arn)
                where = f"{principal} {action} {prefix} {context}"
                # The keys left open, decided by the application.
                _, rows = example.allowed_rows(db, open_plan, prefix, context)
                assert rows == expected, f"{where}: {open_plan}"
                # The keys given to the plan.
                given = example.plan(channel, types, principal, action, prefix, context)
                kinds.add(enums["PlanKind"].values_by_number[given.kind].name)
                _, rows = example.allowed_rows(db, given, prefix, context)
                assert rows == expected, f"{where} (given): {given}"
    assert kinds == {"ALWAYS_ALLOWED", "ALWAYS_DENIED", "CONDITIONAL"}, kinds


def test_the_sql_escapes_like_wildcards_and_stays_case_sensitive(example):
    assert example.glob_to_like("arn:aws:s3:::b/50%_off*") == "arn:aws:s3:::b/50\\%\\_off%"
    assert example.glob_to_like("a\\*b?") == "a*b_"
    db = example.make_table()
    rows = [r[0] for r in db.execute(
        "SELECT arn FROM objects WHERE arn LIKE ? ESCAPE '\\'",
        [example.glob_to_like("arn:aws:s3:::example-photos/team/data/*")],
    )]
    assert sorted(rows) == [
        "arn:aws:s3:::example-photos/team/data/50%_off.png",
        "arn:aws:s3:::example-photos/team/data/report.csv",
    ]
