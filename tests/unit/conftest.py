"""The unit tier: pure code, no database, dbt or HTTP. Every socket connection a unit test opens is
refused, so a unit test that reaches for a server (pymysql, SQLAlchemy, requests) fails loudly
instead of quietly needing MariaDB."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest


class ConnectionInUnitTest(RuntimeError):
    """A unit test tried to open a connection. Not an OSError: pymysql and requests do not wrap it."""


@pytest.fixture(autouse=True)
def refused_connections(monkeypatch) -> Iterator[list]:
    """The addresses this test tried to reach; any one fails the test, even if the code swallowed the
    error. Other threads connect as usual: under `make test` they belong to other tiers' fixtures."""
    tried: list = []
    test_thread = threading.get_ident()
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded(original):
        def refuse(sock: socket.socket, address):
            if threading.get_ident() != test_thread:
                return original(sock, address)
            tried.append(address)
            sock.close()
            raise ConnectionInUnitTest(f"a unit test opens no connection (database, HTTP or other): {address!r}")

        return refuse

    monkeypatch.setattr(socket.socket, "connect", guarded(connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(connect_ex))
    yield tried
    if tried:
        pytest.fail(f"a unit test tried to connect to {tried}: it belongs in tests/loader, tests/service or tests/dbt")
