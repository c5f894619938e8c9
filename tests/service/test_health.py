"""Liveness and readiness."""

from __future__ import annotations

from tests.conftest import server_connection
from tests.service.app_config import service_config


def test_live(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_when_the_marts_are_published(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "onet_release": "29.3"}


def test_not_ready_without_marts_names_what_is_missing(make_client, built_settings):
    empty = f"{built_settings.database}_svc_empty"
    with server_connection(built_settings) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{empty}`")
        cur.execute(f"CREATE TABLE `{empty}`.release_info (onet_release varchar(10))")
    try:
        client = make_client(service_config(built_settings, database=empty))
        response = client.get("/health/ready")
        assert response.status_code == 503
        body = response.get_json()
        assert body["code"] == "marts_unavailable"
        assert "release_info" not in body["details"]["missing"]
        assert "skill_gap" in body["details"]["missing"] and "skill_gap" in body["message"]
        assert client.get("/health").status_code == 200
    finally:
        with server_connection(built_settings) as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE `{empty}`")


def test_not_ready_when_the_database_does_not_exist(make_client, built_settings):
    client = make_client(service_config(built_settings, database=f"{built_settings.database}_svc_absent"))
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.get_json()["code"] == "marts_unavailable"
    gap = client.get("/api/v1/skill-gap", query_string={"from": "11-1011.00", "to": "11-1011.00"})
    assert gap.status_code == 503 and gap.get_json()["code"] == "marts_unavailable"
