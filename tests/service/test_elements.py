"""Elements of a domain, and each element's level anchors (against the release's raw file)."""

from __future__ import annotations

import csv
from dataclasses import replace

import pytest

from tests.conftest import RELEASE_DIR, query, server_connection
from tests.service.app_config import service_config

READING = "2.A.1.a"


@pytest.mark.parametrize(("domain", "count"), [("skills", 35), ("knowledge", 33)])
def test_elements_of_a_domain(client, domain, count):
    response = client.get("/api/v1/elements", query_string={"domain": domain})
    assert response.status_code == 200
    elements = response.get_json()
    assert len(elements) == count
    assert {e["domain"] for e in elements} == {domain}
    assert all(e["category"] and e["description"] for e in elements)


@pytest.mark.parametrize("domain", ["skills", "knowledge"])
def test_a_domains_elements_are_the_marts_in_id_order(client, built_settings, domain):
    rows = query(
        built_settings,
        "select element_id, name, description, domain, category from dim_elements"
        " where domain = %s order by element_id",
        (domain,),
        database=built_settings.database,
    )
    columns = ("element_id", "name", "description", "domain", "category")
    elements = client.get("/api/v1/elements", query_string={"domain": domain}).get_json()
    assert [tuple(e[c] for c in columns) for e in elements] == rows


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


def raw_anchors() -> dict[str, list[dict]]:
    """Element id -> its LV anchors in the release's Level Scale Anchors.txt, lowest first."""
    anchors: dict[str, list[dict]] = {}
    with (RELEASE_DIR / "Level Scale Anchors.txt").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["Scale ID"] == "LV":
                anchors.setdefault(row["Element ID"], []).append(
                    {"level": float(row["Anchor Value"]), "description": row["Anchor Description"]}
                )
    return {element: sorted(listed, key=lambda a: a["level"]) for element, listed in anchors.items()}


@pytest.mark.parametrize("domain", ["skills", "knowledge"])
def test_every_rated_elements_anchors_are_the_release_files(client, domain):
    raw = raw_anchors()
    elements = client.get("/api/v1/elements", query_string={"domain": domain}).get_json()
    for element in elements:
        response = client.get(f"/api/v1/elements/{element['element_id']}/anchors")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body == {**element, "onet_release": "29.3", "anchors": raw[element["element_id"]]}
        assert len(body["anchors"]) >= 3


def test_reading_comprehensions_anchors_read_as_the_release_has_them(client):
    anchors = client.get(f"/api/v1/elements/{READING}/anchors").get_json()["anchors"]
    assert [a["level"] for a in anchors] == [2.0, 4.0, 6.0]
    assert anchors[0]["description"] == "Read step-by-step instructions for completing a form"


@pytest.mark.parametrize("element_id", ["1.A.1.a.1", "2.A.1.z", "9"])
def test_an_element_the_release_does_not_rate_is_404_unknown_element(client, element_id):
    response = client.get(f"/api/v1/elements/{element_id}/anchors")
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "unknown_element"
    assert body["message"] == f"No element that O*NET 29.3 rates has the id {element_id}."
    assert body["details"] == {"parameter": "element_id", "value": element_id}


@pytest.mark.parametrize("element_id", ["2.A.1.a.", "2-A-1", "A.1", "2.A.1.a%20", "2." + "1." * 10 + "a", "２.A"])
def test_a_malformed_element_id_is_422(client, element_id):
    response = client.get(f"/api/v1/elements/{element_id}/anchors")
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_parameter"
    parameter = body["details"]["parameters"]["element_id"]
    assert parameter["location"] == "path"
    assert parameter["errors"] == ["Not a content model element id like 2.A.1.a."]


def test_an_element_without_anchors_is_404_no_anchors(built_settings, copied_marts, make_client):
    with server_connection(built_settings) as conn, conn.cursor() as cur:
        cur.execute(f"delete from `{copied_marts}`.dim_level_anchors where element_id = %s", (READING,))
    client = make_client(service_config(replace(built_settings, database=copied_marts)))
    response = client.get(f"/api/v1/elements/{READING}/anchors")
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "no_anchors"
    assert body["message"] == f"O*NET 29.3 gives {READING} (Reading Comprehension) no level anchors."
    assert client.get("/api/v1/elements/2.A.1.b/anchors").status_code == 200


def test_the_nearest_anchor_is_the_models_for_every_rating(built_settings):
    """The rule the service applies to a person's level, against the one dbt applied to every rating."""
    from service import gap_rule
    from service.db import Database
    from service.serving.reference import load_reference, read_release

    db = Database(service_config(built_settings))
    reference = load_reference(db, read_release(db))
    rows = query(
        built_settings,
        "select element_id, effective_level, level_anchor from fct_occupation_ratings",
        database=built_settings.database,
    )
    assert len(rows) > 50_000
    for element_id, level, anchor in rows:
        nearest = gap_rule.nearest_anchor(reference.anchors.get(element_id, ()), gap_rule.hundredths(level))
        assert nearest == anchor, (element_id, level)
