"""Server reflection from Python's grpcio-reflection client, as grpcurl uses
it: the listener's every service is listed, and Envoy's ext_authz service is
described well enough to build its ``Check`` method from the descriptors
alone (no local proto files).

The server is the one at ``TOLLGATE_ADDR`` (``tests/python/run.sh`` starts it).
"""

import pytest
from google.protobuf import descriptor_pool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

SERVED = {
    "tollgate.v1.Authorizer",
    "envoy.service.auth.v3.Authorization",
    "grpc.health.v1.Health",
}


@pytest.fixture(scope="module")
def database(channel):
    return ProtoReflectionDescriptorDatabase(channel)


def test_reflection_lists_every_service_served(database):
    services = set(database.get_services())
    missing = SERVED - services
    assert not missing, f"{sorted(missing)} not listed; listed: {sorted(services)}"


@pytest.mark.parametrize(
    "service, method, request_type",
    [
        ("envoy.service.auth.v3.Authorization", "Check", "envoy.service.auth.v3.CheckRequest"),
        ("tollgate.v1.Authorizer", "Authorize", "tollgate.v1.AuthorizeRequest"),
    ],
)
def test_reflection_describes_the_services(database, service, method, request_type):
    pool = descriptor_pool.DescriptorPool(database)
    described = pool.FindServiceByName(service)
    found = described.FindMethodByName(method)
    assert found is not None, f"{service} has no {method}"
    assert found.input_type.full_name == request_type
