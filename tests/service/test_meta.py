"""The release served and its domains."""

from __future__ import annotations

from datetime import datetime


def test_meta_names_the_release_and_the_domains_with_data(client):
    response = client.get("/api/v1/meta")
    assert response.status_code == 200
    body = response.get_json()
    assert body["onet_release"] == "29.3"
    assert isinstance(body["load_id"], int)
    for key in ("loaded_at", "built_at"):
        assert datetime.fromisoformat(body[key]).utcoffset().total_seconds() == 0
    by_domain = {d["domain"]: d for d in body["domains"]}
    assert list(by_domain) == ["skills", "knowledge", "abilities", "work_activities"]
    assert by_domain["skills"]["has_data"] and by_domain["knowledge"]["has_data"]
    assert by_domain["skills"]["rated_occupation_count"] == 1016 - 137
    assert not by_domain["abilities"]["has_data"] and by_domain["abilities"]["rated_occupation_count"] == 0
    assert by_domain["work_activities"]["name"] == "Work Activities"


def test_domains(client):
    response = client.get("/api/v1/domains")
    assert response.status_code == 200
    assert response.get_json() == client.get("/api/v1/meta").get_json()["domains"]
