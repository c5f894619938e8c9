"""The technology gap: `GET /api/v1/technology-gap`, the occupation's `technology` and the
transitions' `new_technology_categories`, over the session's release (29.3 with O*NET 28.2's
Technology Skills.txt), checked against counts made here from the raw file, and against the
`technology_gap` view; a release without technology data (the 31.0 layout: tests/test_current_release.py)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from tests.conftest import query, server_connection
from tests.service.app_config import service_config
from tests.technology_release import TECHNOLOGY_28_2, expected_gap, read_technology

PATH = "/api/v1/technology-gap"
CEO = "11-1011.00"
PROGRAMMER = "15-1251.00"
PAIRS = 150


@pytest.fixture(scope="module")
def raw():
    return read_technology(TECHNOLOGY_28_2)


def random_pairs(raw: dict, codes: list[str], count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    listing = sorted(raw)
    return [(rng.choice(codes), rng.choice(listing)) for _ in range(count)]


@pytest.fixture(scope="module")
def codes(built_settings) -> list[str]:
    return [code for (code,) in query(built_settings, "select onetsoc_code from occupation_data order by 1")]


@pytest.mark.parametrize("hot_only", [False, True], ids=["all", "hot-only"])
def test_many_pairs_are_the_raw_files_categories_the_source_lacks(client, raw, codes, hot_only):
    pairs = random_pairs(raw, codes, PAIRS, seed=1501 + hot_only)
    pairs += [(CEO, PROGRAMMER), (PROGRAMMER, CEO), (CEO, CEO)]
    nonempty = 0
    for source, target in pairs:
        params = {"from": source, "to": target, **({"hot_only": "true"} if hot_only else {})}
        response = client.get(PATH, query_string=params)
        assert response.status_code == 200, (source, target, response.get_json())
        body = response.get_json()
        gaps, shared = expected_gap(raw, source, target, hot_only)
        assert (body["from"]["code"], body["to"]["code"], body["onet_release"]) == (source, target, "29.3")
        assert body["gaps"] == gaps, (source, target)
        assert body["shared_category_count"] == shared, (source, target)
        if hot_only:
            assert all(e["hot"] for g in body["gaps"] for e in g["examples"])
        nonempty += bool(gaps)
    assert nonempty > PAIRS // 2


def test_a_source_that_lists_no_software_lacks_every_category(client, raw, codes):
    unlisted = next(code for code in codes if code not in raw)
    body = client.get(PATH, query_string={"from": unlisted, "to": CEO}).get_json()
    assert [g["category_id"] for g in body["gaps"]] == [g["category_id"] for g in expected_gap(raw, unlisted, CEO)[0]]
    assert len(body["gaps"]) == len(raw[CEO]) and body["shared_category_count"] == 0


def test_the_service_gives_the_views_rows(client, built_settings, raw, codes):
    """The one rule in Python (service/serving/technology.py) and the `technology_gap` view agree."""
    for source, target in random_pairs(raw, codes, 40, seed=1510):
        rows = query(
            built_settings,
            "select category_id, category, example, is_hot_technology, is_in_demand, hot_count, in_demand_count"
            " from technology_gap where from_code = %s and to_code = %s",
            (source, target),
            database=built_settings.database,
        )
        from_view: dict[str, dict] = {}
        for category_id, name, example, hot, demand, hot_count, demand_count in rows:
            category = from_view.setdefault(
                category_id,
                {"category": name, "hot_count": int(hot_count), "in_demand_count": int(demand_count), "examples": {}},
            )
            category["examples"][example] = (bool(hot), bool(demand))
        body = client.get(PATH, query_string={"from": source, "to": target}).get_json()
        served = {
            g["category_id"]: {
                "category": g["category"],
                "hot_count": g["hot_count"],
                "in_demand_count": g["in_demand_count"],
                "examples": {e["name"]: (e["hot"], e["in_demand"]) for e in g["examples"]},
            }
            for g in body["gaps"]
        }
        assert served == from_view, (source, target)


@pytest.mark.parametrize(
    ("params", "status", "code", "says"),
    [
        ({"from": "11-1011", "to": CEO}, 422, "invalid_parameter", "from"),
        ({"from": CEO, "to": "x"}, 422, "invalid_parameter", "to"),
        ({"from": CEO}, 422, "invalid_parameter", "to"),
        ({"from": CEO, "to": CEO, "hot_only": "maybe"}, 422, "invalid_parameter", "hot_only"),
        ({"from": "99-9999.00", "to": CEO}, 404, "unknown_occupation", "99-9999.00"),
        ({"from": CEO, "to": "99-9999.00"}, 404, "unknown_occupation", "99-9999.00"),
    ],
    ids=["bad-from", "bad-to", "no-to", "bad-hot-only", "unknown-from", "unknown-to"],
)
def test_bad_parameters_are_the_gap_endpoints_errors(client, params, status, code, says):
    response = client.get(PATH, query_string=params)
    body = response.get_json()
    assert (response.status_code, body["code"]) == (status, code), body
    assert says in body["message"] or says in str(body["details"])


def test_a_target_that_lists_no_software_is_404_no_technology(client, raw, codes):
    unlisted = next(code for code in codes if code not in raw)
    response = client.get(PATH, query_string={"from": CEO, "to": unlisted})
    body = response.get_json()
    assert (response.status_code, body["code"]) == (404, "no_technology")
    assert unlisted in body["message"] and "lists no software" in body["message"]


def test_the_occupation_lists_its_software_by_category(client, raw, codes):
    body = client.get(f"/api/v1/occupations/{CEO}").get_json()
    expected = [
        {
            "category_id": category_id,
            "category": name,
            "examples": [
                {"name": e, "hot": hot, "in_demand": demand}
                for e, (hot, demand) in sorted(examples.items(), key=lambda item: (not item[1][0], item[0]))
            ],
        }
        for category_id, (name, examples) in sorted(raw[CEO].items(), key=lambda item: (item[1][0], item[0]))
    ]
    assert body["technology"] == expected
    unlisted = next(code for code in codes if code not in raw)
    assert client.get(f"/api/v1/occupations/{unlisted}").get_json()["technology"] == []


def test_each_transition_counts_the_new_categories(client, raw):
    body = client.get(f"/api/v1/occupations/{PROGRAMMER}/transitions", query_string={"limit": 20}).get_json()
    counted = 0
    for move in body["transitions"]:
        target = raw.get(move["code"], {})
        expected = sum(category_id not in raw[PROGRAMMER] for category_id in target)
        assert move["new_technology_categories"] == expected, move["code"]
        counted += expected > 0
    assert counted > 0


@pytest.fixture
def without_technology(built_settings, copied_marts, make_client):
    """A client over a copy of the marts whose release had no technology file."""
    with server_connection(built_settings) as conn, conn.cursor() as cur:
        cur.execute(f"delete from `{copied_marts}`.fct_occupation_technology")
    return make_client(service_config(replace(built_settings, database=copied_marts)))


def test_a_release_without_technology_says_so_everywhere(without_technology):
    response = without_technology.get(PATH, query_string={"from": PROGRAMMER, "to": CEO})
    body = response.get_json()
    assert (response.status_code, body["code"]) == (404, "no_technology_data")
    assert "29.3" in body["message"] and "no technology data" in body["message"]
    assert without_technology.get(f"/api/v1/occupations/{CEO}").get_json()["technology"] is None
    moves = without_technology.get(f"/api/v1/occupations/{PROGRAMMER}/transitions").get_json()["transitions"]
    assert moves and all(move["new_technology_categories"] is None for move in moves)
    # Software Developers have no ratings in 29.3: the page reads no gap views (the copy has none).
    page = without_technology.get("/compare", query_string={"from": PROGRAMMER, "to": "15-1252.00"})
    page = page.get_data(as_text=True)
    assert "O*NET 29.3, the release served, has no technology data" in page
