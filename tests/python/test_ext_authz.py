"""Envoy's ext_authz API (``envoy.service.auth.v3.Authorization/Check``)
from Python grpcio, with stubs generated at test time from Envoy's own
``.proto`` files: those shipped in the ``envoy-types`` crate's source (found
with ``cargo metadata``; ``ENVOY_PROTO_ROOT`` overrides), compiled into a
temporary folder. Nothing is copied into the repository.

The server is started here: ``TOLLGATE_BIN serve`` (``tests/python/run.sh``
sets it; default ``target/release/tollgate``) with the photos example
(``examples/mesh/mapping.toml`` and ``examples/mesh/store``) on ephemeral
loopback ports, with a separate ``--ext-authz-listen`` port as well.
"""

import importlib
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import grpc
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "mesh"
ALICE = "arn:aws:iam::111122223333:user/alice"
FRONTEND = "spiffe://cluster.local/ns/photos/sa/frontend"
SERVICE = "envoy/service/auth/v3/external_auth.proto"
IMPORT = re.compile(r'^import\s+(?:public\s+)?"([^"]+)";', re.M)


def envoy_proto_root():
    """The ``proto`` folder of the envoy-types crate this workspace uses."""
    if os.environ.get("ENVOY_PROTO_ROOT"):
        return Path(os.environ["ENVOY_PROTO_ROOT"])
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--offline"],
        cwd=REPO, check=True, capture_output=True, text=True,
    )
    for package in json.loads(meta.stdout)["packages"]:
        if package["name"] == "envoy-types":
            return Path(package["manifest_path"]).parent / "proto"
    pytest.fail("envoy-types is not a dependency of this workspace")


@pytest.fixture(scope="session")
def envoy(tmp_path_factory):
    """The generated modules: (external_auth_pb2, external_auth_pb2_grpc,
    attribute_context_pb2, address_pb2)."""
    root = envoy_proto_root()
    include = [d for d in sorted(root.iterdir()) if d.is_dir()]

    def locate(name):
        for folder in include:
            if (folder / name).is_file():
                return folder / name
        return None

    # The service's file and everything it imports, transitively; the
    # well-known google/protobuf types come with grpcio-tools and protobuf.
    files, todo = set(), [SERVICE]
    while todo:
        name = todo.pop()
        if name in files or name.startswith("google/protobuf/"):
            continue
        path = locate(name)
        assert path is not None, f"{name} not found under {root}"
        files.add(name)
        todo.extend(IMPORT.findall(path.read_text()))

    out = tmp_path_factory.mktemp("envoy-stubs")
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc",
         *[f"-I{folder}" for folder in include],
         f"--python_out={out}", f"--grpc_python_out={out}", *sorted(files)],
        check=True,
    )
    sys.path.insert(0, str(out))
    try:
        return (
            importlib.import_module("envoy.service.auth.v3.external_auth_pb2"),
            importlib.import_module("envoy.service.auth.v3.external_auth_pb2_grpc"),
            importlib.import_module("envoy.service.auth.v3.attribute_context_pb2"),
            importlib.import_module("envoy.config.core.v3.address_pb2"),
        )
    finally:
        sys.path.remove(str(out))


@pytest.fixture(scope="module")
def server():
    """A running ``tollgate serve`` of the photos example: (grpc, ext_authz)
    addresses."""
    binary = os.environ.get("TOLLGATE_BIN", str(REPO / "target" / "release" / "tollgate"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOLLGATE_")}
    process = subprocess.Popen(
        [binary, "serve",
         "--store", str(EXAMPLE / "store"),
         "--mesh-config", str(EXAMPLE / "mapping.toml"),
         "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
         "--ext-authz-listen", "127.0.0.1:0"],
        stderr=subprocess.PIPE, text=True, env=env,
    )
    found = {}
    ready = threading.Event()

    def read():
        # The server listens before its store loads: the addresses come
        # first, readiness with the load.
        for line in process.stderr:
            match = re.search(r"listening on grpc=(\S+) admin=\S+ ext_authz=(\S+)", line)
            if match:
                found["addrs"] = match.groups()
            if re.search(r"store installed cause=startup", line):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(30) and "addrs" in found, "the server did not start"
        yield found["addrs"]
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def check(envoy, server):
    """``check(method, path, headers, peer, addr=grpc)`` -> CheckResponse."""
    pb, grpc_pb, attributes, address = envoy
    channels = {}

    def call(method, path, headers=None, peer="", addr=None):
        addr = addr or server[0]
        if addr not in channels:
            channels[addr] = grpc.insecure_channel(addr)
            grpc.channel_ready_future(channels[addr]).result(timeout=10)
        stub = grpc_pb.AuthorizationStub(channels[addr])
        request = pb.CheckRequest(
            attributes=attributes.AttributeContext(
                source=attributes.AttributeContext.Peer(
                    address=address.Address(
                        socket_address=address.SocketAddress(address="10.9.8.7", port_value=41000)
                    ),
                    principal=peer,
                ),
                request=attributes.AttributeContext.Request(
                    http=attributes.AttributeContext.HttpRequest(
                        id="py-1", method=method, path=path, scheme="https",
                        host="photos.example", headers=headers or {},
                    )
                ),
            )
        )
        return stub.Check(request, timeout=5)

    yield call
    for channel in channels.values():
        channel.close()


def added_headers(response):
    assert response.status.code == 0, response
    assert response.WhichOneof("http_response") == "ok_response"
    return {h.header.key: h.header.value for h in response.ok_response.headers}


def denial(response):
    assert response.status.code != 0, response
    assert response.WhichOneof("http_response") == "denied_response"
    denied = response.denied_response
    headers = {h.header.key: h.header.value for h in denied.headers}
    assert headers["content-type"] == "application/json"
    return denied.status.code, json.loads(denied.body)


def test_allowed_with_headers(check):
    headers = added_headers(check("GET", "/photos/42", {"x-jwt-sub": "alice"}))
    assert headers["x-tollgate-principal"] == ALICE
    assert headers["x-tollgate-action"] == "photos:GetPhoto"
    assert re.fullmatch(r"[0-9a-f]{64}", headers["x-tollgate-revision"])


def test_workload_identity(check):
    headers = added_headers(check("GET", "/originals/2024/a.jpg", peer=FRONTEND))
    assert headers["x-tollgate-principal"] == "arn:aws:sts::111122223333:assumed-role/frontend/photos"


def test_explicit_deny(check):
    code, body = denial(check("DELETE", "/photos/locked-1", {"x-jwt-sub": "alice", "x-request-id": "abc"}))
    assert code == 403
    assert body == {
        "decision": "EXPLICIT_DENY",
        "request_id": "abc",
        "reason": "an explicit Deny statement applies",
    }


def test_implicit_deny_and_context_keys(check):
    code, body = denial(check("GET", "/photos/42", {"x-jwt-sub": "bob"}))
    assert (code, body["decision"], body["request_id"]) == (403, "IMPLICIT_DENY", "py-1")
    added_headers(check("POST", "/photos", {"x-jwt-sub": "alice", "x-tenant": "acme"}))
    assert denial(check("POST", "/photos", {"x-jwt-sub": "alice", "x-tenant": "other"}))[1]["decision"] == "IMPLICIT_DENY"


def test_unmapped_route_is_denied(check):
    code, body = denial(check("GET", "/admin", {"x-jwt-sub": "alice"}))
    assert (code, body["decision"]) == (403, "UNMAPPED")


@pytest.mark.parametrize(
    "path,headers,reason",
    [
        ("/photos/..%2Fsecret", {"x-jwt-sub": "alice"}, "encoded `/`"),
        ("/photos/%2e%2e", {"x-jwt-sub": "alice"}, "`..` segment"),
        ("/photos/1", {"x-jwt-sub": "alice:admin"}, "not a valid name"),
        ("/photos/1", {}, "no principal"),
    ],
)
def test_unmappable_requests_are_denied(check, path, headers, reason):
    code, body = denial(check("GET", path, headers))
    assert (code, body["decision"]) == (403, "UNMAPPABLE")
    assert reason in body["reason"]


def test_malformed_check_is_denied(envoy, server):
    pb, grpc_pb, _, _ = envoy
    with grpc.insecure_channel(server[0]) as channel:
        response = grpc_pb.AuthorizationStub(channel).Check(pb.CheckRequest(), timeout=5)
    code, body = denial(response)
    assert (code, body["decision"]) == (403, "MALFORMED")


def test_explain_header(check):
    code, body = denial(check("DELETE", "/photos/locked-1", {"x-jwt-sub": "alice", "x-tollgate-explain": "1"}))
    assert body["decisive"][0]["sid"] == "KeepLocked"
    assert body["resource"] == "arn:app:photos:::photo/locked-1"


def test_separate_ext_authz_listener(check, server):
    headers = added_headers(check("GET", "/photos/1", {"x-jwt-sub": "alice"}, addr=server[1]))
    assert headers["x-tollgate-principal"] == ALICE
