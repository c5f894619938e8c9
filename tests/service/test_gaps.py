"""The gap endpoints against the session's built marts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.conftest import query

CEO = "11-1011.00"
PROGRAMMER = "15-1251.00"
SOFTWARE_DEVELOPER = "15-1252.00"  # no ratings at all in 29.3
FOOD_PREPARATION = "35-2021.00"
GAP_PATHS = ("/api/v1/skill-gap", "/api/v1/skill-gap-by-lvl")
MODELS = {"/api/v1/skill-gap": "skill_gap", "/api/v1/skill-gap-by-lvl": "skill_gap_by_level"}
COLUMNS = "element_id, name, domain, from_level, to_level, difference, importance, suppressed, from_anchor, to_anchor"


def mart_rows(settings, model, from_code, to_code, domain="skills", extra=""):
    """The mart's rows for a pair, as the service should return them."""
    rows = query(
        settings,
        f"select {COLUMNS} from {model} where from_code = %s and to_code = %s and domain = %s {extra}"
        " order by difference desc, importance desc, element_id",
        (from_code, to_code, domain),
        database=settings.database,
    )
    names = [c.strip() for c in COLUMNS.split(",")]
    return [dict(zip(names, row, strict=True)) for row in rows]


def as_mart(item: dict) -> dict:
    """A response item in the mart's terms (Decimal levels, 0/1 flag)."""
    converted = dict(item)
    for key in ("from_level", "to_level", "difference", "importance"):
        converted[key] = Decimal(str(item[key])).quantize(Decimal("0.01"))
    converted["suppressed"] = int(item["suppressed"])
    return converted


@pytest.mark.parametrize("path", GAP_PATHS)
@pytest.mark.parametrize("domain", ["skills", "knowledge"])
def test_gap_is_the_marts_rows_for_the_pair(client, built_settings, path, domain):
    response = client.get(path, query_string={"from": PROGRAMMER, "to": CEO, "domain": domain})
    assert response.status_code == 200
    body = response.get_json()
    release = {"source": "onet_release", "onet_version": "29.3", "fetched_at": None}
    assert body["from"] == {"code": PROGRAMMER, "title": "Computer Programmers", **release}
    assert body["to"] == {"code": CEO, "title": "Chief Executives", **release}
    assert body["domain"] == domain
    assert body["onet_release"] == "29.3"
    expected = mart_rows(built_settings, MODELS[path], PROGRAMMER, CEO, domain)
    assert expected, "the pair should have a gap in the mart"
    assert [as_mart(item) for item in body["gaps"]] == expected


def test_by_level_is_ordered_by_difference_then_importance(client):
    gaps = client.get("/api/v1/skill-gap-by-lvl", query_string={"from": PROGRAMMER, "to": CEO}).get_json()["gaps"]
    keys = [(-g["difference"], -g["importance"]) for g in gaps]
    assert keys == sorted(keys)
    assert all(g["to_level"] > g["from_level"] for g in gaps)


@pytest.mark.parametrize("path", GAP_PATHS)
def test_levels_are_json_numbers_with_two_decimals(client, path):
    response = client.get(path, query_string={"from": PROGRAMMER, "to": CEO})
    text = response.get_data(as_text=True)
    assert '"from_level":"' not in text and '"importance":"' not in text
    numbers = body_numbers(text)
    assert numbers, "levels should be JSON numbers"
    assert all(-n.as_tuple().exponent <= 2 for n in numbers)
    for item in response.get_json()["gaps"]:
        assert isinstance(item["suppressed"], bool)


def test_anchors_explain_the_levels(client):
    gaps = client.get("/api/v1/skill-gap-by-lvl", query_string={"from": FOOD_PREPARATION, "to": CEO}).get_json()["gaps"]
    reading = next(g for g in gaps if g["element_id"] == "2.A.1.a")
    assert reading["name"] == "Reading Comprehension"
    assert reading["to_level"] == 4.62
    assert reading["to_anchor"] and reading["from_anchor"]
    assert reading["to_anchor"] != reading["from_anchor"]


def test_original_path_answers_as_the_versioned_one(client):
    args = {"from": PROGRAMMER, "to": CEO, "min_importance": "3"}
    original = client.get("/skill-gap", query_string=args)
    assert original.status_code == 200
    assert original.get_json() == client.get("/api/v1/skill-gap", query_string=args).get_json()


@pytest.mark.parametrize("path", GAP_PATHS)
def test_min_importance_filters_on_the_targets_importance(client, built_settings, path):
    everything = mart_rows(built_settings, MODELS[path], FOOD_PREPARATION, CEO)
    threshold = sorted(row["importance"] for row in everything)[len(everything) // 2]
    args = {"from": FOOD_PREPARATION, "to": CEO, "min_importance": str(threshold)}
    body = client.get(path, query_string=args).get_json()
    expected = [row for row in everything if row["importance"] >= threshold]
    assert 0 < len(expected) < len(everything)
    assert [as_mart(item) for item in body["gaps"]] == expected


@pytest.mark.parametrize("path", GAP_PATHS)
def test_exclude_suppressed(client, built_settings, path):
    # A target with a suppressed rating the source lacks: a row of both gap models.
    pair = query(
        built_settings,
        "select source.onetsoc_code, target.onetsoc_code from fct_occupation_ratings as target"
        " join fct_occupation_ratings as source on source.domain = target.domain"
        " and source.element_id = target.element_id"
        " where target.domain = 'knowledge' and target.recommend_suppress = 1 and target.effective_level > 0"
        " and source.effective_level = 0 limit 1",
        database=built_settings.database,
    )[0]
    args = {"from": pair[0], "to": pair[1], "domain": "knowledge"}
    everything = client.get(path, query_string=args).get_json()["gaps"]
    kept = client.get(path, query_string={**args, "exclude_suppressed": "true"}).get_json()["gaps"]
    assert any(g["suppressed"] for g in everything)
    assert kept == [g for g in everything if not g["suppressed"]]


@pytest.mark.parametrize("path", [*GAP_PATHS, "/skill-gap"])
def test_an_empty_gap_is_an_empty_list(client, path):
    response = client.get(path, query_string={"from": CEO, "to": CEO})
    assert response.status_code == 200
    assert response.get_json()["gaps"] == []


@pytest.mark.parametrize("path", GAP_PATHS)
@pytest.mark.parametrize("side", ["from", "to"])
def test_unknown_occupation_is_404_naming_the_code(client, path, side):
    args = {"from": CEO, "to": CEO, side: "99-9999.00"}
    response = client.get(path, query_string=args)
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "unknown_occupation"
    assert "99-9999.00" in body["message"]
    assert body["details"] == {"parameter": side, "value": "99-9999.00"}


@pytest.mark.parametrize("path", GAP_PATHS)
@pytest.mark.parametrize("side", ["from", "to"])
def test_occupation_without_ratings_is_404_no_ratings(client, path, side):
    response = client.get(path, query_string={"from": CEO, "to": CEO, side: SOFTWARE_DEVELOPER})
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "no_ratings"
    assert SOFTWARE_DEVELOPER in body["message"] and "Software Developers" in body["message"]
    assert body["details"]["domain"] == "skills"


@pytest.mark.parametrize("path", GAP_PATHS)
@pytest.mark.parametrize("domain", ["abilities", "work_activities"])
def test_domain_the_release_does_not_ship_is_404(client, path, domain):
    response = client.get(path, query_string={"from": PROGRAMMER, "to": CEO, "domain": domain})
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "empty_domain"
    assert domain in body["message"] and "29.3" in body["message"]


@pytest.mark.parametrize("path", [*GAP_PATHS, "/skill-gap"])
@pytest.mark.parametrize(
    ("args", "parameter", "value"),
    [
        ({"from": "15-1252", "to": CEO}, "from", "15-1252"),
        ({"from": CEO, "to": "151252.00"}, "to", "151252.00"),
        ({"from": CEO, "to": "15-1252.00x"}, "to", "15-1252.00x"),
        ({"from": CEO, "to": CEO, "domain": "tools"}, "domain", "tools"),
        ({"from": CEO, "to": CEO, "min_importance": "high"}, "min_importance", "high"),
        ({"from": CEO, "to": CEO, "min_importance": "6"}, "min_importance", "6"),
        ({"from": CEO, "to": CEO, "exclude_suppressed": "perhaps"}, "exclude_suppressed", "perhaps"),
        ({"to": CEO}, "from", None),
    ],
)
def test_bad_parameter_is_422_naming_it_and_its_value(client, path, args, parameter, value):
    response = client.get(path, query_string=args)
    assert response.status_code == 422
    body = response.get_json()
    assert body["status"] == 422
    assert body["code"] == "invalid_parameter"
    assert parameter in body["message"]
    assert body["details"]["parameters"][parameter]["value"] == value
    if value is not None:
        assert repr(value) in body["message"]


def body_numbers(text: str) -> list:
    """Every non-integer number in a JSON text, parsed exactly."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, Decimal):
            found.append(node)

    walk(json.loads(text, parse_float=Decimal))
    return found
