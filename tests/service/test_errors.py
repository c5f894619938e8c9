"""One error shape everywhere; 503 while the database is away and recovery when it is back."""

from __future__ import annotations

import time

import pytest

from tests.conftest import server_connection
from tests.service.app_config import service_config

GAP = ("/api/v1/skill-gap", {"from": "15-1251.00", "to": "11-1011.00"})
SHAPE = {"status", "code", "message", "details"}


def assert_no_internals(response) -> None:
    text = response.get_data(as_text=True).lower()
    for leak in ("traceback", "select ", " from ", "pymysql", "sqlalchemy", 'file "'):
        assert leak not in text, f"{leak!r} in {text}"


def test_unknown_path_is_404_in_the_error_shape(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    body = response.get_json()
    assert set(body) == SHAPE
    assert (body["status"], body["code"]) == (404, "not_found")
    assert "/api/v1/nothing-here" in body["message"]


def test_wrong_method_is_405_in_the_error_shape(client):
    response = client.post("/api/v1/skill-gap")
    assert response.status_code == 405
    body = response.get_json()
    assert (body["status"], body["code"]) == (405, "method_not_allowed")
    assert "GET" in body["details"]["allowed"]
    # RFC 9110: a 405 says which methods are allowed.
    assert response.headers["Allow"] == ", ".join(body["details"]["allowed"])


def test_database_unreachable_is_503_and_the_service_recovers(make_client, built_settings, proxy):
    # Gaps are answered from the ratings in memory: what meets the database on a gap request is the
    # check for another published build, here made on every request.
    client = make_client(service_config(built_settings, port=proxy.port, connect_timeout=1, release_check_seconds=0))
    path, args = GAP
    assert client.get(path, query_string=args).status_code == 200

    proxy.stop()
    for url in (path, "/api/v1/occupations/11-1011.00", "/api/v1/occupations", "/health/ready"):
        started = time.monotonic()
        response = client.get(url, query_string=args if url == path else None)
        assert response.status_code == 503, url
        assert response.get_json()["code"] == "database_unavailable"
        assert time.monotonic() - started < 5, "a short connect timeout, not a hang"
        assert_no_internals(response)
    assert client.get("/health").status_code == 200

    proxy.start()
    response = client.get(path, query_string=args)
    assert response.status_code == 200
    assert response.get_json()["gaps"]
    assert client.get("/health/ready").status_code == 200


def test_database_unreachable_from_the_start_is_503(make_client, built_settings):
    from tests.service.gunicorn_server import free_port

    client = make_client(service_config(built_settings, port=free_port(), connect_timeout=1))
    path, args = GAP
    response = client.get(path, query_string=args)
    assert response.status_code == 503
    assert response.get_json()["code"] == "database_unavailable"


@pytest.fixture
def broken_database(built_settings):
    """Marts whose release_info lacks its columns: the query fails with an SQL error."""
    name = f"{built_settings.database}_svc_broken"
    with server_connection(built_settings) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
        cur.execute(f"CREATE TABLE `{name}`.release_info (something int)")
    yield name
    with server_connection(built_settings) as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE `{name}`")


def test_unexpected_error_is_500_without_sql_or_traceback(make_client, built_settings, broken_database, caplog):
    client = make_client(service_config(built_settings, database=broken_database))
    response = client.get("/api/v1/meta")
    assert response.status_code == 500
    body = response.get_json()
    assert (body["status"], body["code"]) == (500, "internal_error")
    assert_no_internals(response)
    assert "Unknown column" in caplog.text, "the cause is logged for the operator"


def test_a_parameter_given_twice_is_422_naming_both_values(client):
    response = client.get("/api/v1/skill-gap?from=15-1251.00&from=11-1011.00&to=11-1011.00&to=11-1011.00")
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_parameter"
    twice = ["Given 2 times; give it once."]
    assert body["details"]["parameters"] == {
        "from": {"location": "query", "value": ["15-1251.00", "11-1011.00"], "errors": twice},
        "to": {"location": "query", "value": ["11-1011.00", "11-1011.00"], "errors": twice},
    }
    # A parameter the operation does not have is ignored, as it is when given once.
    assert client.get("/api/v1/skill-gap?from=15-1251.00&to=11-1011.00&x=1&x=2").status_code == 200
