"""Elements of a domain."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("domain", "count"), [("skills", 35), ("knowledge", 33)])
def test_elements_of_a_domain(client, domain, count):
    response = client.get("/api/v1/elements", query_string={"domain": domain})
    assert response.status_code == 200
    elements = response.get_json()
    assert len(elements) == count
    assert {e["domain"] for e in elements} == {domain}
    assert all(e["category"] and e["description"] for e in elements)


def test_skills_by_default(client):
    elements = client.get("/api/v1/elements").get_json()
    reading = next(e for e in elements if e["element_id"] == "2.A.1.a")
    assert reading["name"] == "Reading Comprehension"
    assert reading["category"] == "Content"


@pytest.mark.parametrize("domain", ["abilities", "work_activities"])
def test_domain_not_in_the_release_is_404(client, domain):
    response = client.get("/api/v1/elements", query_string={"domain": domain})
    assert response.status_code == 404
    assert response.get_json()["code"] == "empty_domain"


def test_unknown_domain_is_422(client):
    response = client.get("/api/v1/elements", query_string={"domain": "tools"})
    assert response.status_code == 422
    assert response.get_json()["details"]["parameters"]["domain"]["value"] == "tools"
