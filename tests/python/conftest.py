"""Fixtures shared by the Python tests: `channel`, one grpcio channel to the
`tollgate serve` that tests/python/run.sh started (TOLLGATE_ADDR), ready
before the first test uses it."""

import os

import grpc
import pytest


@pytest.fixture(scope="session")
def channel():
    addr = os.environ.get("TOLLGATE_ADDR")
    if not addr:
        pytest.fail("set TOLLGATE_ADDR to the server's HOST:PORT")
    with grpc.insecure_channel(addr) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        yield channel
