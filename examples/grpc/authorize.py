#!/usr/bin/env python3
"""Ask a running tollgate sidecar one question over gRPC.

    pip install -r examples/grpc/requirements.txt
    python3 examples/grpc/authorize.py ADDR PRINCIPAL ACTION RESOURCE [KEY=VALUE ...]

Nothing is generated: the message types come from the server itself, through
gRPC server reflection (tollgate serves it), so the script needs no copy of
the proto and no protoc. Calls tollgate.v1.Authorizer/Authorize with explain
on and prints the decision, the revision, the decisive statements and the
reason. Exits 0 when allowed, 3 when denied.
"""

import sys

import grpc
from google.protobuf import descriptor_pool, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

SERVICE = "tollgate.v1.Authorizer"


def message_types(channel):
    """The tollgate.v1 message classes, as the server describes them."""
    pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    pool.FindServiceByName(SERVICE)  # loads the service's file and its imports
    names = ["AuthorizeRequest", "AuthorizeResponse", "ContextValues", "ContextValue"]
    classes = {n: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tollgate.v1.{n}"))
               for n in names}
    enums = {n: pool.FindEnumTypeByName(f"tollgate.v1.{n}") for n in ["Decision", "Effect"]}
    return classes, enums


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    addr, principal, action, resource, *pairs = argv[1:]
    with grpc.insecure_channel(addr) as channel:
        types, enums = message_types(channel)
        request = types["AuthorizeRequest"](principal=principal, action=action,
                                            resource=resource, explain=True)
        for pair in pairs:
            key, _, value = pair.partition("=")
            request.context[key].values.append(types["ContextValue"](string_value=value))
        authorize = channel.unary_unary(
            f"/{SERVICE}/Authorize",
            request_serializer=lambda message: message.SerializeToString(),
            response_deserializer=types["AuthorizeResponse"].FromString,
        )
        answer = authorize(request, timeout=5)
    decision = enums["Decision"].values_by_number[answer.decision].name
    print("decision:", decision)
    print("revision:", answer.revision)
    for s in answer.decisive:
        level = f" at {s.level}" if s.level else ""
        effect = enums["Effect"].values_by_number[s.effect].name
        print(f"decisive: {s.policy} Statement[{s.index}] {s.sid or '-'} {effect}{level}")
    if answer.reason:
        print("reason:", answer.reason)
    return 0 if decision == "ALLOWED" else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))
