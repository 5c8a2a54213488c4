#!/usr/bin/env python3
"""Ask a running tollgate sidecar many questions on one AuthorizeStream.

    python3 examples/grpc/authorize_stream.py ADDR [FILE]

ADDR is HOST:PORT or unix:/path/to/socket. FILE (default: standard input)
holds one question per line as JSON: {"principal": ..., "action": ...,
"resource": ..., "context": {"KEY": "VALUE", ...}}. Every question is sent
on one stream, tagged with its line number as id; answers come back tagged
with that id, possibly out of order, and are printed as `ID DECISION
REVISION` (or `ID ERROR CODE MESSAGE` for a question that failed, which
must be treated as a deny). Needs grpcio and grpcio-tools. Exits 0 when
every question was answered, 1 otherwise.
"""

import importlib
import json
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


def question(pb, number, line):
    fields = json.loads(line)
    context = {}
    for key, value in fields.get("context", {}).items():
        context[key] = pb.ContextValues(values=[pb.ContextValue(string_value=str(value))])
    request = pb.AuthorizeRequest(principal=fields["principal"], action=fields["action"],
                                  resource=fields["resource"], context=context)
    return pb.AuthorizeStreamRequest(id=number, request=request)


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    addr = argv[1]
    source = open(argv[2]) if len(argv) == 3 else sys.stdin
    lines = [(n, line) for n, line in enumerate(source, 1) if line.strip()]
    with tempfile.TemporaryDirectory() as out:
        pb, rpc = stubs(out)
        questions = [question(pb, n, line) for n, line in lines]
        unanswered = {q.id for q in questions}
        # The stream lives at most the call's deadline (the server caps it
        # with max-call-secs); a long list would be split over several.
        with grpc.insecure_channel(addr) as channel:
            answers = rpc.AuthorizerStub(channel).AuthorizeStream(iter(questions), timeout=10)
            for answer in answers:
                unanswered.discard(answer.id)
                if answer.WhichOneof("result") == "response":
                    decided = answer.response
                    print(answer.id, pb.Decision.Name(decided.decision), decided.revision)
                else:
                    print(answer.id, "ERROR", answer.error.code, answer.error.message)
    for missing in sorted(unanswered):
        print(missing, "UNANSWERED")
    return 0 if not unanswered else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
