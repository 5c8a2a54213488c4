"""tollgate's gRPC API from a client stack nobody here wrote: Python grpcio.

Stubs are generated at test time from ``proto/`` with ``python -m
grpc_tools.protoc``; the health service uses grpcio-health-checking's stubs.
The server is the one at ``TOLLGATE_ADDR`` (``HOST:PORT``), serving the
built-in example store (``tollgate serve`` without ``--store``; see
``tests/data/store/example``). ``tests/python/run.sh`` starts one and runs
this file.
"""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

REPO = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO / "proto"

ALICE = "arn:aws:iam::111122223333:user/alice"
PHOTO = "arn:aws:s3:::example-photos/cat.jpg"


@pytest.fixture(scope="session")
def pb(tmp_path_factory):
    """The generated ``tollgate.v1`` modules: (messages, services)."""
    out = tmp_path_factory.mktemp("stubs")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            "tollgate/v1/authorizer.proto",
        ],
        check=True,
    )
    sys.path.insert(0, str(out))
    try:
        messages = importlib.import_module("tollgate.v1.authorizer_pb2")
        services = importlib.import_module("tollgate.v1.authorizer_pb2_grpc")
    finally:
        sys.path.remove(str(out))
    return messages, services


@pytest.fixture(scope="session")
def authorizer(pb, channel):
    _, services = pb
    return services.AuthorizerStub(channel)


def ask(messages, principal, action, resource, **fields):
    return messages.AuthorizeRequest(
        principal=principal, action=action, resource=resource, **fields
    )


def test_allowed(pb, authorizer):
    messages, _ = pb
    answer = authorizer.Authorize(ask(messages, ALICE, "s3:GetObject", PHOTO), timeout=10)
    assert answer.decision == messages.ALLOWED
    assert answer.revision
    assert list(answer.decisive) == []
    assert answer.reason == ""


def test_explicit_deny_explained(pb, authorizer):
    messages, _ = pb
    request = ask(messages, ALICE, "organizations:LeaveOrganization", "*", explain=True)
    answer = authorizer.Authorize(request, timeout=10)
    assert answer.decision == messages.EXPLICIT_DENY
    sids = {(d.sid, d.effect) for d in answer.decisive}
    assert ("DenyLeaveOrganization", messages.EFFECT_DENY) in sids, answer


def test_implicit_deny_reason(pb, authorizer):
    messages, _ = pb
    request = ask(
        messages, "arn:aws:iam::111122223333:user/mallory", "s3:GetObject", PHOTO, explain=True
    )
    answer = authorizer.Authorize(request, timeout=10)
    assert answer.decision == messages.IMPLICIT_DENY
    assert list(answer.decisive) == []
    assert answer.reason == "principal not found in the store"


def test_context_values_of_every_type(pb, authorizer):
    messages, _ = pb

    def values(*given):
        return messages.ContextValues(values=[messages.ContextValue(**v) for v in given])

    def decide(region):
        context = {
            "aws:RequestedRegion": values({"string_value": region}),
            "s3:max-keys": values({"number_value": 10}),
            "aws:SecureTransport": values({"bool_value": True}),
            "kms:EncryptionContext/blob": values({"binary_value": b"\x00\xffbytes"}),
            "aws:TagKeys": values({"string_value": "a"}, {"string_value": "b"}),
        }
        request = ask(messages, ALICE, "s3:GetObject", PHOTO, context=context)
        return authorizer.Authorize(request, timeout=10).decision

    # The organization's SCP denies every region but two.
    assert decide("us-east-1") == messages.ALLOWED
    assert decide("ap-south-1") == messages.EXPLICIT_DENY


def test_malformed_request_is_invalid_argument(pb, authorizer):
    messages, _ = pb
    with pytest.raises(grpc.RpcError) as caught:
        authorizer.Authorize(ask(messages, "bob", "s3:GetObject", PHOTO), timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details().startswith("principal: `bob` is not a principal")

    empty = messages.ContextValues(values=[messages.ContextValue()])
    request = ask(messages, ALICE, "s3:GetObject", PHOTO, context={"aws:SourceIp": empty})
    with pytest.raises(grpc.RpcError) as caught:
        authorizer.Authorize(request, timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details().startswith('context["aws:SourceIp"].values[0]: empty value')


def test_batch_answers_in_order_from_one_revision(pb, authorizer):
    messages, _ = pb
    requests = [
        ask(messages, ALICE, "organizations:LeaveOrganization", "*"),
        ask(messages, ALICE, "s3:GetObject", PHOTO),
        ask(messages, "arn:aws:iam::111122223333:user/mallory", "s3:GetObject", PHOTO),
        ask(messages, ALICE, "s3:GetObject", PHOTO),
    ]
    batch = authorizer.AuthorizeBatch(
        messages.AuthorizeBatchRequest(requests=requests), timeout=10
    )
    assert [r.decision for r in batch.responses] == [
        messages.EXPLICIT_DENY,
        messages.ALLOWED,
        messages.IMPLICIT_DENY,
        messages.ALLOWED,
    ]
    assert batch.revision
    assert {r.revision for r in batch.responses} == {batch.revision}
    for request, response in zip(requests, batch.responses):
        assert authorizer.Authorize(request, timeout=10) == response


def test_batch_error_names_the_index(pb, authorizer):
    messages, _ = pb
    requests = [
        ask(messages, ALICE, "s3:GetObject", PHOTO),
        ask(messages, ALICE, "", PHOTO),
    ]
    with pytest.raises(grpc.RpcError) as caught:
        authorizer.AuthorizeBatch(messages.AuthorizeBatchRequest(requests=requests), timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details().startswith("requests[1].action: ")


@pytest.mark.parametrize("service", ["", "tollgate.v1.Authorizer"])
def test_health_check_serving(channel, service):
    health = health_pb2_grpc.HealthStub(channel)
    answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_readme_example_script():
    """examples/grpc/authorize.py, as the README shows it, answers from the server."""
    script = REPO / "examples" / "grpc" / "authorize.py"
    result = subprocess.run(
        [sys.executable, str(script), os.environ["TOLLGATE_ADDR"], ALICE, "s3:GetObject", PHOTO],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "decision: ALLOWED" in result.stdout
    assert "revision: " in result.stdout
    denied = subprocess.run(
        [sys.executable, str(script), os.environ["TOLLGATE_ADDR"], ALICE, "s3:GetObject", PHOTO,
         "aws:SecureTransport=false"],
        capture_output=True, text=True, timeout=60,
    )
    assert denied.returncode == 3, denied.stderr
    assert "decision: EXPLICIT_DENY" in denied.stdout
    assert "example-photos.json" in denied.stdout


def test_unix_socket_with_the_c_core_default_authority(pb, tmp_path):
    """grpcio (gRPC C-core) sends the percent-encoded socket path as
    ``:authority`` over ``unix:``; the server must answer, not reset the
    stream (which grpcio reports as INTERNAL)."""
    import re
    import threading

    messages, services = pb
    binary = os.environ.get("TOLLGATE_BIN", str(REPO / "target" / "release" / "tollgate"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOLLGATE_")}
    socket = tmp_path / "tollgate.sock"
    process = subprocess.Popen(
        [binary, "serve", "--listen", f"unix:{socket}", "--admin-listen", "127.0.0.1:0"],
        stderr=subprocess.PIPE, text=True, env=env,
    )
    ready = threading.Event()

    def read():
        # The server listens before its store loads: wait for the load.
        for line in process.stderr:
            if re.search(r"store installed cause=startup", line):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(30) and process.poll() is None, "the server did not start"
        # No `grpc.default_authority` option: C-core's own default.
        with grpc.insecure_channel(f"unix:{socket}") as channel:
            stub = services.AuthorizerStub(channel)
            for _ in range(3):
                answer = stub.Authorize(ask(messages, ALICE, "s3:GetObject", PHOTO), timeout=10)
                assert answer.decision == messages.ALLOWED
            # The stream over the socket too.
            questions = [messages.AuthorizeStreamRequest(
                id=i, request=ask(messages, ALICE, "s3:GetObject", PHOTO)) for i in range(50)]
            answers = list(stub.AuthorizeStream(iter(questions), timeout=10))
            assert sorted(a.id for a in answers) == list(range(50))
            assert all(a.response.decision == messages.ALLOWED for a in answers)
        # The stream example, as a client of the socket.
        script = REPO / "examples" / "grpc" / "authorize_stream.py"
        lines = "\n".join(
            json.dumps({"principal": ALICE, "action": action, "resource": PHOTO})
            for action in ["s3:GetObject", "s3:DeleteObject"])
        result = subprocess.run(
            [sys.executable, str(script), f"unix:{socket}"], input=lines,
            capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == 0, result.stderr
        answered = sorted(result.stdout.split("\n")[:2])
        assert answered[0].startswith("1 ALLOWED "), result.stdout
        assert answered[1].split()[:1] == ["2"], result.stdout
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_authorize_stream_answers_each_id(pb, channel):
    """AuthorizeStream: every question answered once under its id, with
    Authorize's decision; a failing question is answered with an error and
    the stream goes on."""
    messages, services = pb
    stub = services.AuthorizerStub(channel)
    allowed = ask(messages, ALICE, "s3:GetObject", PHOTO)
    expected = stub.Authorize(allowed, timeout=10)
    bad = ask(messages, ALICE, "s3:GetObject", PHOTO)
    bad.resource_account = "42"
    questions = [messages.AuthorizeStreamRequest(id=1000 + i, request=allowed) for i in range(500)]
    questions.append(messages.AuthorizeStreamRequest(id=7, request=bad))
    questions.append(messages.AuthorizeStreamRequest(id=8, request=allowed))
    answers = {}
    for answer in stub.AuthorizeStream(iter(questions), timeout=10):
        assert answer.id not in answers
        answers[answer.id] = answer
    assert len(answers) == len(questions)
    for i in range(500):
        assert answers[1000 + i].response == expected
    assert answers[7].WhichOneof("result") == "error"
    assert answers[7].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert answers[7].error.message.startswith("resource_account: ")
    assert answers[8].response.decision == messages.ALLOWED
