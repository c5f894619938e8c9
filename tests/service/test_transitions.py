"""Ranked transitions: order, scores, filters, every error, occupations without ratings, reloads."""

from __future__ import annotations

import time

import pytest

from tests.conftest import query, server_connection
from tests.service.app_config import service_config

PROGRAMMERS = "15-1251.00"
CEO = "11-1011.00"
# Rated in no domain; O*NET relates it to other occupations (one of 44 such in 29.3).
SOFTWARE_DEVELOPERS = "15-1252.00"


def transitions(client, code: str = PROGRAMMERS, **params):
    return client.get(f"/api/v1/occupations/{code}/transitions", query_string=params)


def ok(client, code: str = PROGRAMMERS, **params) -> dict:
    response = transitions(client, code, **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def unrated(settings, with_related: bool) -> list[str]:
    """Occupations without ratings that O*NET does (or does not) relate to others."""
    return [
        code
        for (code,) in query(
            settings,
            "select onetsoc_code from dim_occupations o where rated_domain_count = 0"
            f" and {'' if with_related else 'not '}exists"
            " (select 1 from related_occupations r where r.onetsoc_code = o.onetsoc_code) order by 1",
            database=settings.database,
        )
    ]


def test_ranked_closest_first_with_ties_by_code_and_without_itself(client):
    body = ok(client, limit=50)
    assert body["basis"] == "similarity"
    assert body["from"] == {
        "code": PROGRAMMERS,
        "title": "Computer Programmers",
        "major_group_code": "15",
        "job_zone": 4,
    }
    items = body["transitions"]
    assert len(items) == 50
    keys = [(-t["similarity"], t["code"]) for t in items]
    assert keys == sorted(keys)
    assert PROGRAMMERS not in [t["code"] for t in items]
    assert len({t["code"] for t in items}) == 50
    assert all(t["relatedness_tier"] is None for t in items)


def test_known_answer_programmers_are_closest_to_software_occupations(client):
    top = [t["code"] for t in ok(client)["transitions"]]
    assert len(top) == 10
    assert top[0] == "15-1253.00"  # Software Quality Assurance Analysts and Testers
    assert sum(code.startswith("15-") for code in top) >= 8


def test_similarity_is_symmetric_and_in_range(client):
    forward = {t["code"]: t["similarity"] for t in ok(client, limit=50)["transitions"]}
    other, score = next(iter(forward.items()))
    backward = {t["code"]: t["similarity"] for t in ok(client, other, limit=50)["transitions"]}
    assert backward[PROGRAMMERS] == score
    for code in (PROGRAMMERS, CEO):
        for t in ok(client, code, limit=50)["transitions"]:
            assert 0 <= t["similarity"] <= 1
            assert t["gap_score"] >= 0 and t["gap_count"] >= len(t["top_gaps"])


def test_gaps_agree_with_the_gap_models(client):
    """Gap score, count and largest gaps match `skill_gap_by_level` for skills and knowledge."""
    for t in ok(client, CEO, limit=5)["transitions"]:
        rows = []
        for domain in ("skills", "knowledge"):
            response = client.get(
                "/api/v1/skill-gap-by-lvl", query_string={"from": CEO, "to": t["code"], "domain": domain}
            )
            rows += [g for g in response.get_json()["gaps"] if g["difference"] > 0]
        assert t["gap_count"] == len(rows)
        assert t["gap_score"] == pytest.approx(sum(g["importance"] * g["difference"] for g in rows), abs=0.01)
        rows.sort(key=lambda g: (-g["difference"], -g["importance"], g["element_id"]))
        expected = [(g["element_id"], g["name"], g["domain"], g["difference"], g["importance"]) for g in rows[:3]]
        got = [(g["element_id"], g["name"], g["domain"], g["difference"], g["importance"]) for g in t["top_gaps"]]
        assert got == expected


def test_limit_defaults_to_10_and_cuts_the_same_ranking(client):
    full = [t["code"] for t in ok(client, limit=50)["transitions"]]
    assert [t["code"] for t in ok(client)["transitions"]] == full[:10]
    assert [t["code"] for t in ok(client, limit=1)["transitions"]] == full[:1]


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"min_job_zone": 4}, lambda t: t["job_zone"] is not None and t["job_zone"] >= 4),
        ({"max_job_zone": 3}, lambda t: t["job_zone"] is not None and t["job_zone"] <= 3),
        ({"min_job_zone": 3, "max_job_zone": 3}, lambda t: t["job_zone"] == 3),
        ({"major_group": "13"}, lambda t: t["major_group_code"] == "13"),
        ({"major_group": "15", "max_job_zone": 4}, lambda t: t["major_group_code"] == "15" and t["job_zone"] <= 4),
    ],
)
def test_filters_keep_the_ranking_order(client, params, keep):
    filtered = ok(client, limit=20, **params)["transitions"]
    assert filtered and all(keep(t) for t in filtered)
    # The filtered list is the unfiltered ranking with the others left out.
    ranking = [t["code"] for t in ok(client, limit=50)["transitions"]]
    codes = [t["code"] for t in filtered]
    within = [code for code in ranking if code in codes]
    assert within == codes[: len(within)]


def test_filter_with_no_match_is_an_empty_list(client):
    # Computer programming's closest occupations in zone 1 and major group 15: there are none.
    assert ok(client, min_job_zone=1, max_job_zone=1, major_group="15")["transitions"] == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"min_job_zone": 0}, "min_job_zone"),
        ({"max_job_zone": 6}, "max_job_zone"),
        ({"min_job_zone": 4, "max_job_zone": 2}, "max_job_zone"),
        ({"major_group": "1"}, "major_group"),
        ({"major_group": "ab"}, "major_group"),
        ({"major_group": "98"}, "major_group"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter_and_value(client, params, parameter):
    response = transitions(client, **params)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_parameter"
    assert body["details"]["parameters"][parameter]["value"] == str(params[parameter])
    assert f"{parameter}=" in body["message"]


def test_bad_code_is_422(client):
    response = transitions(client, "15-1251")
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_parameter"
    assert body["details"]["parameters"]["code"] == {
        "location": "path",
        "value": "15-1251",
        "errors": ["Not an O*NET-SOC code like 15-1252.00."],
    }


def test_unknown_code_is_404(client):
    response = transitions(client, "99-9999.00")
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "unknown_occupation"
    assert body["details"] == {"parameter": "code", "value": "99-9999.00"}


def test_unrated_occupations_with_onet_relations_get_onet_list(client, built_settings):
    codes = unrated(built_settings, with_related=True)
    assert len(codes) == 44
    assert SOFTWARE_DEVELOPERS in codes
    for code in codes:
        body = ok(client, code, limit=50)
        assert body["basis"] == "onet_related_occupations"
        assert "no skills or knowledge ratings" in body["note"] and "O*NET's own Related Occupations" in body["note"]
        expected = query(
            built_settings,
            "select related_onetsoc_code, relatedness_tier from related_occupations"
            " where onetsoc_code = %s order by related_index",
            (code,),
            database=built_settings.database,
        )
        assert [(t["code"], t["relatedness_tier"]) for t in body["transitions"]] == [tuple(r) for r in expected]
        for t in body["transitions"]:
            assert (t["similarity"], t["gap_score"], t["gap_count"], t["top_gaps"]) == (None, None, None, None)


def test_onet_list_takes_the_same_filters(client):
    full = ok(client, SOFTWARE_DEVELOPERS, limit=50)["transitions"]
    assert [t["code"] for t in ok(client, SOFTWARE_DEVELOPERS, limit=3)["transitions"]] == [t["code"] for t in full[:3]]
    zone_4 = ok(client, SOFTWARE_DEVELOPERS, limit=50, min_job_zone=4, max_job_zone=4)["transitions"]
    assert [t["code"] for t in zone_4] == [t["code"] for t in full if t["job_zone"] == 4]
    assert len(zone_4) < len(full)


def test_unrated_occupations_without_onet_relations_are_404_no_ratings(client, built_settings):
    codes = unrated(built_settings, with_related=False)
    assert len(codes) == 93
    for code in codes:
        response = transitions(client, code)
        assert response.status_code == 404
        body = response.get_json()
        assert body["code"] == "no_ratings"
        assert body["details"] == {"parameter": "code", "value": code}
        assert "nothing to rank from" in body["message"] and code in body["message"]


def test_ranking_is_rebuilt_when_another_build_is_published(make_client, built_settings, copied_marts):
    client = make_client(service_config(built_settings, database=copied_marts, release_check_seconds=0))
    closest = ok(client)["transitions"][0]["code"]
    with server_connection(built_settings) as conn, conn.cursor() as cur:
        cur.execute(f"delete from `{copied_marts}`.fct_occupation_ratings where onetsoc_code = %s", (closest,))
        # Until release_info changes, the service keeps the ranking it has.
        assert ok(client)["transitions"][0]["code"] == closest
        cur.execute(f"update `{copied_marts}`.release_info set built_at = built_at + interval 1 second")
    # The new build is read in the background; until it is whole, the previous ranking answers.
    deadline = time.monotonic() + 30
    while closest in (codes := [t["code"] for t in ok(client, limit=50)["transitions"]]):
        assert codes[0] == closest, "an answer of neither build"
        assert time.monotonic() < deadline, "the new build was never switched to"
        time.sleep(0.05)


def test_database_away_is_503(make_client, built_settings, proxy):
    # Checking the release on every request: the ranking itself is in memory.
    client = make_client(service_config(built_settings, port=proxy.port, connect_timeout=1, release_check_seconds=0))
    proxy.stop()
    response = transitions(client)
    assert response.status_code == 503
    assert response.get_json()["code"] == "database_unavailable"
