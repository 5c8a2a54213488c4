#!/usr/bin/env python3
"""Ask a running tollgate sidecar one question over gRPC.

    python3 examples/grpc/authorize.py ADDR PRINCIPAL ACTION RESOURCE [KEY=VALUE ...]

Generates the Python stubs from proto/ (needs the grpcio and grpcio-tools
packages) and calls tollgate.v1.Authorizer/Authorize with explain on. Prints
the decision, the revision, the decisive statements and the reason.
"""

import importlib
import subprocess
import sys
import tempfile
from pathlib import Path

import grpc

PROTO = Path(__file__).resolve().parents[2] / "proto"


def stubs(out):
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO}", f"--python_out={out}",
         f"--grpc_python_out={out}", "tollgate/v1/authorizer.proto"],
        check=True,
    )
    sys.path.insert(0, out)
    return (importlib.import_module("tollgate.v1.authorizer_pb2"),
            importlib.import_module("tollgate.v1.authorizer_pb2_grpc"))


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    addr, principal, action, resource, *pairs = argv[1:]
    with tempfile.TemporaryDirectory() as out:
        pb, rpc = stubs(out)
        context = {}
        for pair in pairs:
            key, _, value = pair.partition("=")
            context.setdefault(key, pb.ContextValues()).values.append(pb.ContextValue(string_value=value))
        request = pb.AuthorizeRequest(principal=principal, action=action, resource=resource,
                                      context=context, explain=True)
        with grpc.insecure_channel(addr) as channel:
            answer = rpc.AuthorizerStub(channel).Authorize(request, timeout=5)
        print("decision:", pb.Decision.Name(answer.decision))
        print("revision:", answer.revision)
        for s in answer.decisive:
            level = f" at {s.level}" if s.level else ""
            print(f"decisive: {s.policy} Statement[{s.index}] {s.sid or '-'} {pb.Effect.Name(s.effect)}{level}")
        if answer.reason:
            print("reason:", answer.reason)
    return 0 if answer.decision == pb.ALLOWED else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))
