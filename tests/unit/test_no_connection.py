"""The unit tier's guard: a test that opens a connection fails, whatever the client."""

from __future__ import annotations

import pymysql
import pytest
import requests

from tests.unit.conftest import ConnectionInUnitTest


def test_a_database_connection_is_refused_before_it_leaves(refused_connections):
    with pytest.raises(ConnectionInUnitTest, match="opens no connection"):
        pymysql.connect(host="127.0.0.1", port=3306, user="root", connect_timeout=1)
    assert refused_connections == [("127.0.0.1", 3306)]
    refused_connections.clear()


def test_an_http_request_is_refused_before_it_leaves(refused_connections):
    with pytest.raises(ConnectionInUnitTest, match="opens no connection"):
        requests.get("http://127.0.0.1:9/about/", timeout=1)
    assert refused_connections == [("127.0.0.1", 9)]
    refused_connections.clear()
