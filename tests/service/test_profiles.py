"""A person's side over the session's release. `POST /api/v1/profiles/gap`: against the occupation
gaps (a profile of an occupation's own levels is that occupation as the source), against the marts
read here, the not-assessed rule, the filters and every error. `POST /api/v1/profiles/matches`: its
scores and ranking computed here from the marts, the filters and its errors."""

from __future__ import annotations

import logging
import random
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from tests.conftest import query

PATH = "/api/v1/profiles/gap"
MATCHES = "/api/v1/profiles/matches"
CEO = "11-1011.00"
PROGRAMMERS = "15-1251.00"
NURSES = "29-1141.00"
UNRATED = "15-1252.00"  # Software Developers: no ratings in 29.3


@pytest.fixture(scope="module")
def ratings(built_settings) -> dict[tuple[str, str], dict[str, dict]]:
    """(code, domain) -> element id -> the marts' effective level, importance and suppression."""
    rows = query(
        built_settings,
        "select onetsoc_code, domain, element_id, effective_level, importance, recommend_suppress"
        " from fct_occupation_ratings",
        database=built_settings.database,
    )
    found: dict[tuple[str, str], dict[str, dict]] = {}
    for code, domain, element_id, level, importance, suppressed in rows:
        found.setdefault((code, domain), {})[element_id] = {
            "level": level,
            "importance": importance,
            "suppressed": bool(suppressed),
        }
    return found


@pytest.fixture(scope="module")
def occupations(built_settings) -> dict[str, dict]:
    rows = query(
        built_settings,
        "select onetsoc_code, title, major_group_code, job_zone from dim_occupations",
        database=built_settings.database,
    )
    return {code: {"title": t, "major_group_code": g, "job_zone": z} for code, t, g, z in rows}


def profile_of(ratings, code: str, *domains: str) -> list[dict]:
    return [
        {"element_id": element_id, "level": float(rated["level"])}
        for domain in domains
        for element_id, rated in sorted(ratings[(code, domain)].items())
    ]


def post(client, levels, to, **body):
    return client.post(PATH, json={"levels": levels, "to": to, **body})


@pytest.mark.parametrize(("source", "target"), [(PROGRAMMERS, CEO), (CEO, PROGRAMMERS), (NURSES, CEO)])
@pytest.mark.parametrize("filters", [{}, {"min_importance": 3.5}, {"exclude_suppressed": True}])
def test_an_occupations_own_levels_give_its_gap_by_level(client, ratings, source, target, filters):
    """The same rule as the occupation gaps: the person's levels as the source's."""
    response = post(client, profile_of(ratings, source, "skills"), target, **filters)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    params = {"from": source, "to": target, "domain": "skills"}
    if "min_importance" in filters:
        params["min_importance"] = filters["min_importance"]
    occupations = client.get("/api/v1/skill-gap-by-lvl", query_string=params).get_json()["gaps"]
    suppressed_target = {e for e, rated in ratings[(target, "skills")].items() if rated["suppressed"]}
    expected = [
        {**gap, "suppressed": gap["element_id"] in suppressed_target}
        for gap in occupations
        if not (filters.get("exclude_suppressed") and gap["element_id"] in suppressed_target)
    ]
    assert answer["gaps"] == expected
    assert answer["not_assessed"] == []
    assert answer["domains"] == ["skills"]
    assert answer["to"]["code"] == target and answer["to"]["source"] == "onet_release"


def test_random_partial_profiles_are_the_marts_levels_compared_here(client, ratings):
    chooser = random.Random(1729)
    codes = sorted({code for code, domain in ratings if domain == "skills"})
    skills = sorted(ratings[(CEO, "skills")])
    knowledge = sorted(ratings[(CEO, "knowledge")])
    for _ in range(60):
        target = chooser.choice(codes)
        assessed = chooser.sample(skills, chooser.randint(1, 20)) + chooser.sample(knowledge, chooser.randint(0, 10))
        levels = {element_id: chooser.randint(0, 700) for element_id in assessed}
        body = [{"element_id": e, "level": level / 100} for e, level in levels.items()]
        answer = post(client, body, target).get_json()
        domains = ["skills", "knowledge"] if any(e in knowledge for e in assessed) else ["skills"]
        assert answer["domains"] == domains
        expected, not_assessed = [], []
        for domain in domains:
            for element_id, rated in ratings[(target, domain)].items():
                if element_id not in levels:
                    not_assessed.append((domain, element_id))
                elif rated["level"] * 100 > levels[element_id]:
                    difference = rated["level"] - Decimal(levels[element_id]) / 100
                    expected.append((-difference, -rated["importance"], element_id, float(difference)))
        got = [(g["element_id"], g["difference"], g["from_level"]) for g in answer["gaps"]]
        assert got == [(e, d, levels[e] / 100) for *_, e, d in sorted(expected)], target
        assert [(n["domain"], n["element_id"]) for n in answer["not_assessed"]] == sorted(
            not_assessed, key=lambda item: (domains.index(item[0]), item[1])
        )


def test_elements_left_out_are_not_assessed_never_level_0(client, ratings):
    response = post(client, [{"element_id": "2.A.1.a", "level": 0}], CEO)
    answer = response.get_json()
    assert [g["element_id"] for g in answer["gaps"]] == ["2.A.1.a"]
    assert answer["gaps"][0]["from_anchor"] is not None and answer["gaps"][0]["from_level"] == 0
    skills = sorted(ratings[(CEO, "skills")])
    assert [n["element_id"] for n in answer["not_assessed"]] == [e for e in skills if e != "2.A.1.a"]
    assert {n["domain"] for n in answer["not_assessed"]} == {"skills"}


def test_a_domain_limits_the_answer_to_it(client, ratings):
    levels = [{"element_id": "2.A.1.a", "level": 1}, {"element_id": "2.C.1.a", "level": 1}]
    knowledge = post(client, levels, CEO, domain="knowledge").get_json()
    assert knowledge["domains"] == ["knowledge"]
    assert {g["domain"] for g in knowledge["gaps"]} == {"knowledge"}
    assert len(knowledge["not_assessed"]) == len(ratings[(CEO, "knowledge")]) - 1
    both = post(client, levels, CEO).get_json()
    assert both["domains"] == ["skills", "knowledge"]
    assert {g["element_id"] for g in both["gaps"]} == {"2.A.1.a", "2.C.1.a"}


def test_the_person_exceeding_every_need_has_no_gap(client, ratings):
    levels = [{"element_id": e, "level": 7} for e in sorted(ratings[(NURSES, "skills")])]
    answer = post(client, levels, NURSES).get_json()
    assert answer["gaps"] == [] and answer["not_assessed"] == []


def _rejected(response) -> dict:
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "invalid_parameter"
    return body["details"]["parameters"]


@pytest.mark.parametrize(
    ("entry", "field", "error"),
    [
        ({"element_id": "2.A.1.a", "level": 7.5}, "level", "Must be greater than or equal to 0"),
        ({"element_id": "2.A.1.a", "level": -1}, "level", "Must be greater than or equal to 0"),
        ({"element_id": "2.A.1.a", "level": 3.333}, "level", "At most two decimals, as O*NET's levels."),
        ({"element_id": "2.A.1.a", "level": "high"}, "level", "Not a valid number."),
        ({"element_id": "2.A.1.a", "level": True}, "level", "Not a valid number."),
        ({"element_id": "2.A.1.a"}, "level", "Missing data for required field."),
        ({"element_id": "2-A", "level": 1}, "element_id", "Not a content model element id like 2.A.1.a."),
        ({"element_id": "1.A.1.a.1", "level": 1}, "element_id", "O*NET 29.3 rates no element with this id."),
    ],
)
def test_each_bad_entry_is_named_with_its_value(client, entry, field, error):
    levels = [{"element_id": "2.A.1.b", "level": 2}, entry]
    parameters = _rejected(post(client, levels, CEO))
    assert list(parameters) == [f"levels[1].{field}"]
    rejected = parameters[f"levels[1].{field}"]
    assert rejected["location"] == "json"
    assert rejected["value"] == entry.get(field)
    assert rejected["errors"][0].startswith(error)


def test_every_bad_entry_is_named_at_once(client):
    levels = [
        {"element_id": "2.A.1.a", "level": 2},
        {"element_id": "9.9.9", "level": 2},
        {"element_id": "2.A.1.a", "level": 3},
        {"element_id": "2.A.1.b", "level": 3},
        {"element_id": "2.A.1.b", "level": 4},
        {"element_id": "2.A.1.c", "level": 9},
    ]
    parameters = _rejected(post(client, levels, CEO))
    assert parameters == {
        "levels[5].level": {
            "location": "json",
            "value": 9,
            "errors": ["Must be greater than or equal to 0 and less than or equal to 7."],
        },
        "levels[1].element_id": {
            "location": "json",
            "value": "9.9.9",
            "errors": ["O*NET 29.3 rates no element with this id."],
        },
        "levels[2].element_id": {
            "location": "json",
            "value": "2.A.1.a",
            "errors": ["Given again: 2.A.1.a is first at levels[0]."],
        },
        "levels[4].element_id": {
            "location": "json",
            "value": "2.A.1.b",
            "errors": ["Given again: 2.A.1.b is first at levels[3]."],
        },
    }


@pytest.mark.parametrize(
    ("body", "name", "error"),
    [
        ({"levels": [], "to": CEO}, "levels", "A profile gives at least one level."),
        ({"to": CEO}, "levels", "Missing data for required field."),
        ({"levels": [{"element_id": "2.A.1.a", "level": 1}]}, "to", "Missing data for required field."),
        ({"levels": [{"element_id": "2.A.1.a", "level": 1}], "to": "15-1252"}, "to", "Not an O*NET-SOC code"),
        ({"levels": [{"element_id": "2.A.1.a", "level": 1}], "to": CEO, "domain": "tools"}, "domain", "Must be one"),
        (
            {"levels": [{"element_id": "2.A.1.a", "level": 1}], "to": CEO, "min_importance": 6},
            "min_importance",
            "Must be greater than or equal to 0 and less than or equal to 5.",
        ),
        ({"levels": [{"element_id": "2.A.1.a", "level": 1}], "to": CEO, "name": "Ann"}, "name", "Unknown field."),
        ({"levels": ["2.A.1.a"], "to": CEO}, "levels[0]", "Invalid input type."),
        ({"levels": {"2.A.1.a": 1}, "to": CEO}, "levels", "Not a valid list."),
        ([1, 2], None, "Invalid input type."),
    ],
)
def test_a_bad_body_is_422_naming_the_field(client, body, name, error):
    parameters = _rejected(client.post(PATH, json=body))
    rejected = parameters[name or "body"]
    assert rejected["location"] == "json"
    assert rejected["errors"][0].startswith(error)


def test_bad_targets_are_the_gap_endpoints_404s(client):
    levels = [{"element_id": "2.A.1.a", "level": 1}]
    unknown = post(client, levels, "99-9999.00")
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "unknown_occupation"
    unrated = post(client, levels, UNRATED)
    assert unrated.status_code == 404 and unrated.get_json()["code"] == "no_ratings"
    assert "15-1252.00 (Software Developers) has no skills ratings" in unrated.get_json()["message"]
    empty = post(client, levels, CEO, domain="abilities")
    assert empty.status_code == 404 and empty.get_json()["code"] == "empty_domain"


def test_a_body_that_is_not_json_is_400(client):
    response = client.post(PATH, data="{levels", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["code"] == "bad_request"


def test_a_body_over_64_kib_is_413(client):
    levels = [{"element_id": "2.A.1.a", "level": 1, "note": "x" * 100}] * 700
    response = post(client, levels, CEO)
    assert response.status_code == 413
    body = response.get_json()
    assert body["code"] == "body_too_large"
    assert body["details"] == {"limit_bytes": 65536}
    assert body["message"] == "The request body is over 65,536 bytes, the most the service reads."


def test_only_post_is_allowed(client):
    response = client.get(PATH)
    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"


def expected_matches(ratings, levels: dict[str, Decimal], domains: list[str]) -> dict[str, dict]:
    """Every rated occupation's match, computed here from the marts' rows (docs/api.md, Matches)."""
    found = {}
    for code in sorted({code for code, domain in ratings if domain in domains}):
        rated = {e: r for domain in domains for e, r in ratings.get((code, domain), {}).items() if e in levels}
        total = sum(r["importance"] for r in rated.values())
        if not rated or not total:
            continue
        shortfall = sum(r["importance"] * max(r["level"] - levels[e], 0) for e, r in rated.items()) / total
        surplus = sum(r["importance"] * max(levels[e] - r["level"], 0) for e, r in rated.items()) / total
        score = 1 - (shortfall + surplus / 2) / 7
        gaps = sorted((levels[e] - r["level"], -r["importance"], e) for e, r in rated.items() if r["level"] > levels[e])
        found[code] = {
            "score": float(score.quantize(Decimal("0.0001"), ROUND_HALF_EVEN)),
            # two decimals in the answer
            "gap_score": float(sum(-importance * -difference for difference, importance, _ in gaps)),
            "gap_count": len(gaps),
            "top_gaps": [e for *_, e in gaps[:3]],
        }
    return found


def assert_ranked_as_computed(answer: dict, expected: dict[str, dict], limit: int) -> None:
    """The answer is the `limit` best of `expected` (ties of the last place aside), each as computed."""
    matches = answer["matches"]
    assert len(matches) == min(limit, len(expected))
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)
    for match in matches:
        mine = expected[match["code"]]
        assert match["score"] == pytest.approx(mine["score"], abs=1e-4), match["code"]
        assert match["gap_count"] == mine["gap_count"] and match["gap_score"] == pytest.approx(
            mine["gap_score"], abs=0.005
        )
        assert [g["element_id"] for g in match["top_gaps"]] == mine["top_gaps"], match["code"]
    left_out = {code: e["score"] for code, e in expected.items() if code not in {m["code"] for m in matches}}
    assert max(left_out.values(), default=0) <= scores[-1] + 1e-4


def test_an_occupations_own_levels_match_it_first_with_score_1(client, ratings, occupations):
    for code in (CEO, PROGRAMMERS, NURSES):
        answer = client.post(MATCHES, json={"levels": profile_of(ratings, code, "skills", "knowledge")}).get_json()
        first = answer["matches"][0]
        assert first == {
            "code": code,
            **occupations[code],
            "score": 1.0,
            "gap_score": 0.0,
            "gap_count": 0,
            "top_gaps": [],
        }
        assert answer["domains"] == ["skills", "knowledge"] and answer["not_assessed"] == []
        assert len(answer["matches"]) == 10 and answer["onet_release"] == "29.3"


def test_random_partial_profiles_are_ranked_as_computed_from_the_marts(client, ratings):
    chooser = random.Random(2718)
    skills, knowledge = sorted(ratings[(CEO, "skills")]), sorted(ratings[(CEO, "knowledge")])
    for _ in range(25):
        assessed = chooser.sample(skills, chooser.randint(1, 35)) + chooser.sample(knowledge, chooser.randint(0, 8))
        levels = {e: Decimal(chooser.randint(0, 700)) / 100 for e in assessed}
        limit = chooser.choice([1, 10, 50])
        body = {"levels": [{"element_id": e, "level": float(v)} for e, v in levels.items()], "limit": limit}
        answer = client.post(MATCHES, json=body).get_json()
        domains = ["skills", "knowledge"] if any(e in knowledge for e in assessed) else ["skills"]
        assert answer["domains"] == domains
        assert_ranked_as_computed(answer, expected_matches(ratings, levels, domains), limit)
        left_out = [(d, e) for d, ids in (("skills", skills), ("knowledge", knowledge)) if d in domains for e in ids]
        assert [(n["domain"], n["element_id"]) for n in answer["not_assessed"]] == [
            item for item in left_out if item[1] not in levels
        ]


def test_a_domain_matches_on_its_levels_alone(client, ratings):
    levels = profile_of(ratings, NURSES, "skills") + profile_of(ratings, CEO, "knowledge")[:5]
    answer = client.post(MATCHES, json={"levels": levels, "domain": "skills", "limit": 3}).get_json()
    assert answer["domains"] == ["skills"] and answer["matches"][0]["code"] == NURSES
    assert {g["domain"] for m in answer["matches"] for g in m["top_gaps"]} <= {"skills"}
    assert answer["not_assessed"] == []


def test_the_filters_keep_the_transitions_occupations(client, ratings, occupations):
    levels = profile_of(ratings, PROGRAMMERS, "skills")
    everything = client.post(MATCHES, json={"levels": levels, "limit": 50}).get_json()["matches"]
    for filters, keep in [
        ({"major_group": "15"}, lambda o: o["major_group_code"] == "15"),
        ({"min_job_zone": 4}, lambda o: (o["job_zone"] or 0) >= 4),
        ({"max_job_zone": 3}, lambda o: o["job_zone"] is not None and o["job_zone"] <= 3),
        (
            {"min_job_zone": 2, "max_job_zone": 2, "major_group": "41"},
            lambda o: o["job_zone"] == 2 and o["major_group_code"] == "41",
        ),
    ]:
        answer = client.post(MATCHES, json={"levels": levels, "limit": 50, **filters}).get_json()["matches"]
        assert answer and all(keep(occupations[m["code"]]) for m in answer), filters
        kept_before = [m for m in everything if keep(occupations[m["code"]])]
        assert answer[: len(kept_before)] == kept_before, filters


def test_matches_answer_the_same_body_from_the_build_s_answers(client, ratings, caplog):
    body = {"levels": profile_of(ratings, CEO, "knowledge"), "limit": 5}
    with caplog.at_level(logging.INFO, logger="service.request"):
        first, second = client.post(MATCHES, json=body), client.post(MATCHES, json=body)
        # Another body, even one that loads the same, is answered afresh.
        third = client.post(MATCHES, json={**body, "limit": 5, "domain": None})
    assert first.status_code == second.status_code == third.status_code == 200
    assert first.data == second.data == third.data
    kept = [r.getMessage().endswith(" cached") for r in caplog.records if r.name == "service.request"]
    assert kept == [False, True, False]


@pytest.mark.parametrize(
    ("extra", "name", "error"),
    [
        ({"major_group": "98"}, "major_group", "Not a major group of this release; known: 11, 13, 15,"),
        ({"major_group": "1"}, "major_group", "Not a SOC major group like 15."),
        ({"min_job_zone": 4, "max_job_zone": 2}, "max_job_zone", "Below min_job_zone (4)."),
        ({"limit": 51}, "limit", "Must be greater than or equal to 1 and less than or equal to 50."),
        ({"limit": 0}, "limit", "Must be greater than or equal to 1 and less than or equal to 50."),
        ({"domain": "knowledge"}, "domain", "The profile gives no level in this domain"),
        ({"to": CEO}, "to", "Unknown field."),
    ],
)
def test_bad_matches_bodies_are_422_naming_the_field(client, extra, name, error):
    body = {"levels": [{"element_id": "2.A.1.a", "level": 3}], **extra}
    parameters = _rejected(client.post(MATCHES, json=body))
    assert list(parameters) == [name]
    assert parameters[name]["location"] == "json" and parameters[name]["errors"][0].startswith(error)


def test_matches_name_bad_entries_and_refuse_empty_domains_as_the_gap_does(client):
    levels = [{"element_id": "2.A.1.a", "level": 2}, {"element_id": "2.A.1.a", "level": 8}]
    parameters = _rejected(client.post(MATCHES, json={"levels": levels}))
    assert set(parameters) == {"levels[1].element_id", "levels[1].level"}
    empty = client.post(MATCHES, json={"levels": levels[:1], "domain": "abilities"})
    assert empty.status_code == 404 and empty.get_json()["code"] == "empty_domain"
    assert _rejected(client.post(MATCHES, json={"levels": []}))["levels"]["errors"] == [
        "A profile gives at least one level."
    ]
