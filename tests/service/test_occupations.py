"""Occupation search and detail."""

from __future__ import annotations

import json

import pytest

CEO = "11-1011.00"


def codes(response) -> list[str]:
    return [o["code"] for o in response.get_json()]


def test_known_answer_chief_executives_reading_comprehension(client):
    response = client.get(f"/api/v1/occupations/{CEO}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Chief Executives"
    assert body["major_group_code"] == "11"
    assert body["job_zone"] == 5
    assert body["rated_domains"] == ["skills", "knowledge"]
    assert body["ratings"]["abilities"] == [] and body["ratings"]["work_activities"] == []
    assert len(body["ratings"]["skills"]) == 35
    reading = next(r for r in body["ratings"]["skills"] if r["element_id"] == "2.A.1.a")
    assert reading["name"] == "Reading Comprehension"
    assert (reading["importance"], reading["level"], reading["effective_level"]) == (4.12, 4.62, 4.62)
    assert reading["not_relevant"] is False and reading["recommend_suppress"] is False
    assert isinstance(reading["importance_n"], int)
    assert '"importance":4.12' in response.get_data(as_text=True).replace(" ", "")


def test_not_relevant_level_is_effective_zero(client, built_settings):
    from tests.conftest import query

    code, element = query(
        built_settings,
        "select onetsoc_code, element_id from fct_occupation_ratings where not_relevant = 1 order by 1, 2 limit 1",
        database=built_settings.database,
    )[0]
    body = client.get(f"/api/v1/occupations/{code}").get_json()
    rating = next(r for d in body["ratings"].values() for r in d if r["element_id"] == element)
    assert rating["not_relevant"] is True
    assert rating["effective_level"] == 0


def test_occupation_without_ratings_is_found_with_empty_ratings(client):
    body = client.get("/api/v1/occupations/15-1252.00").get_json()
    assert body["title"] == "Software Developers"
    assert body["rated_domains"] == []
    assert all(ratings == [] for ratings in body["ratings"].values())


def test_unknown_occupation_is_404(client):
    response = client.get("/api/v1/occupations/99-9999.00")
    assert response.status_code == 404
    assert response.get_json()["code"] == "unknown_occupation"
    assert "99-9999.00" in response.get_json()["message"]


@pytest.mark.parametrize("code", ["11-1011", "chief", "11-1011.000"])
def test_malformed_code_is_422(client, code):
    response = client.get(f"/api/v1/occupations/{code}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_parameter"
    assert body["details"]["parameters"]["code"]["value"] == code
    assert repr(code) in body["message"]


def test_search_by_code_prefix(client):
    response = client.get("/api/v1/occupations", query_string={"q": "15-12", "page_size": 100})
    assert response.status_code == 200
    found = codes(response)
    assert "15-1252.00" in found and found == sorted(found)
    assert all(code.startswith("15-12") for code in found)


def test_search_by_title_words_puts_title_matches_first(client):
    found = codes(client.get("/api/v1/occupations", query_string={"q": "chief executive"}))
    assert found[0] == CEO


def test_search_by_alternate_title(client):
    found = codes(client.get("/api/v1/occupations", query_string={"q": "CEO"}))
    assert CEO in found


def test_search_with_like_wildcards_is_literal(client):
    assert codes(client.get("/api/v1/occupations", query_string={"q": "%"})) == []
    assert codes(client.get("/api/v1/occupations", query_string={"q": "_"})) == []


def test_search_without_q_pages_through_every_occupation(client):
    response = client.get("/api/v1/occupations", query_string={"page": 2, "page_size": 10})
    assert response.status_code == 200
    assert len(response.get_json()) == 10
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 1016
    assert pagination["page"] == 2 and pagination["last_page"] == 102


def test_search_with_no_match_is_an_empty_first_page(client):
    response = client.get("/api/v1/occupations", query_string={"q": "zzzqqq"})
    assert response.status_code == 200
    assert response.get_json() == []


@pytest.mark.parametrize(
    ("args", "parameter", "value"),
    [
        ({"page": "0"}, "page", "0"),
        ({"page": "103", "page_size": "10"}, "page", "103"),
        ({"q": "zzzqqq", "page": "2"}, "page", "2"),
        ({"page": "two"}, "page", "two"),
        ({"page_size": "101"}, "page_size", "101"),
        ({"q": "x" * 101}, "q", "x" * 101),
    ],
)
def test_bad_search_parameter_is_422(client, args, parameter, value):
    response = client.get("/api/v1/occupations", query_string=args)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_parameter"
    assert body["details"]["parameters"][parameter]["value"] == value
    assert parameter in body["message"]
