"""The gap endpoints for an occupation the release has no ratings for: fetched from a local O*NET
Web Services (real HTTP) into the store on the first request, answered from the marts' view of
the store, and not asked again until the stored fetch is too old."""

from __future__ import annotations

import pytest

from service.config import OnetApiConfig
from tests.conftest import query
from tests.service.app_config import service_config
from tests.service.fake_onet import (
    KEY,
    PROGRAMMERS,
    SOFTWARE_DEVELOPERS,
    VERSION,
    error,
)
from tests.service.test_gaps import as_mart

CEO = "11-1011.00"
NOT_RATED_ANYWHERE = "11-1031.00"  # Legislators: rated neither in the release nor by the fake O*NET
PATH = "/api/v1/skill-gap-by-lvl"
COLUMNS = "element_id, name, domain, from_level, to_level, difference, importance, suppressed, from_anchor, to_anchor"


@pytest.fixture(autouse=True)
def empty_store(api_built, onet):
    for table in ("fetches", "responses", "ratings"):
        query(api_built, f"delete from {table}", database=f"{api_built.database}_api")
    onet.reset()


def fetching_client(make_client, api_built, onet, **settings):
    api = OnetApiConfig(api_key=KEY, base_url=onet.base_url, timeout_seconds=5, max_attempts=2, **settings)
    return make_client(service_config(api_built, onet_api=api))


def view_rows(settings, from_code: str, to_code: str, domain: str = "skills") -> list[dict]:
    rows = query(
        settings,
        f"select {COLUMNS} from skill_gap_by_level where from_code = %s and to_code = %s and domain = %s"
        " order by difference desc, importance desc, element_id",
        (from_code, to_code, domain),
        database=settings.database,
    )
    return [dict(zip([c.strip() for c in COLUMNS.split(",")], row, strict=True)) for row in rows]


def fetches(settings) -> int:
    return query(settings, "select count(*) from fetches", database=f"{settings.database}_api")[0][0]


@pytest.mark.parametrize("direction", ["from", "to"])
def test_an_unrated_occupation_is_fetched_stored_and_answered(make_client, api_built, onet, direction):
    client = fetching_client(make_client, api_built, onet)
    pair = (SOFTWARE_DEVELOPERS, PROGRAMMERS) if direction == "from" else (PROGRAMMERS, SOFTWARE_DEVELOPERS)
    response = client.get(PATH, query_string={"from": pair[0], "to": pair[1]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    fetched = body[direction]
    other = body["to" if direction == "from" else "from"]
    assert (fetched["code"], fetched["source"], fetched["onet_version"]) == (
        SOFTWARE_DEVELOPERS,
        "onet_web_services",
        VERSION,
    )
    assert fetched["fetched_at"] is not None
    assert (other["source"], other["onet_version"], other["fetched_at"]) == ("onet_release", "29.3", None)
    expected = view_rows(api_built, *pair)
    assert expected, "the fake's developers differ from programmers"
    assert [as_mart(item) for item in body["gaps"]] == expected
    assert fetches(api_built) == 1
    assert any(call.path.startswith("/database/rows/skills") for call in onet.calls)


def test_later_requests_and_other_workers_use_the_store(make_client, api_built, onet):
    first = fetching_client(make_client, api_built, onet)
    assert first.get(PATH, query_string={"from": SOFTWARE_DEVELOPERS, "to": CEO}).status_code == 200
    asked = len(onet.calls)
    again = first.get(PATH, query_string={"from": PROGRAMMERS, "to": SOFTWARE_DEVELOPERS, "domain": "knowledge"})
    assert again.status_code == 200 and again.get_json()["gaps"]
    other_worker = fetching_client(make_client, api_built, onet)
    assert other_worker.get(PATH, query_string={"from": SOFTWARE_DEVELOPERS, "to": CEO}).status_code == 200
    assert len(onet.calls) == asked, "no second call to O*NET Web Services"
    assert fetches(api_built) == 1


def test_a_fetch_older_than_the_configured_age_is_fetched_again(make_client, api_built, onet):
    client = fetching_client(make_client, api_built, onet, max_age_days=1e-9)
    for _ in range(2):
        assert client.get(PATH, query_string={"from": SOFTWARE_DEVELOPERS, "to": CEO}).status_code == 200
    assert fetches(api_built) == 2


def test_release_pairs_do_not_ask_o_net_web_services(make_client, api_built, onet):
    client = fetching_client(make_client, api_built, onet)
    body = client.get(PATH, query_string={"from": PROGRAMMERS, "to": CEO}).get_json()
    assert body["from"]["source"] == body["to"]["source"] == "onet_release"
    assert onet.calls == []


def test_without_a_key_the_404_says_how_to_get_ratings(make_client, api_built, onet):
    client = make_client(service_config(api_built))
    response = client.get(PATH, query_string={"from": SOFTWARE_DEVELOPERS, "to": CEO})
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "no_ratings"
    assert "ONET_API_KEY" in body["message"] and SOFTWARE_DEVELOPERS in body["message"]
    assert onet.calls == []


def test_an_occupation_o_net_web_services_does_not_rate_either_is_404(make_client, api_built, onet):
    client = fetching_client(make_client, api_built, onet)
    response = client.get(PATH, query_string={"from": NOT_RATED_ANYWHERE, "to": CEO})
    assert response.status_code == 404
    assert response.get_json()["code"] == "no_ratings"
    assert "O*NET Web Services has none either" in response.get_json()["message"]
    assert fetches(api_built) == 0


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (error(401, "Invalid or missing API key"), "refused the configured key"),
        (error(503, "Service temporarily unavailable"), "could not be used"),
    ],
    ids=["401", "503"],
)
def test_a_failing_o_net_web_services_is_503_and_stores_nothing(make_client, api_built, onet, reply, says):
    client = fetching_client(make_client, api_built, onet)
    onet.queue(*[reply] * 6)
    response = client.get(PATH, query_string={"from": SOFTWARE_DEVELOPERS, "to": CEO})
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == "onet_api_unavailable"
    assert says in body["message"] and SOFTWARE_DEVELOPERS in body["message"]
    assert KEY not in response.get_data(as_text=True)
    assert fetches(api_built) == 0


def test_a_profile_gap_to_an_unrated_occupation_is_fetched_as_the_gap_endpoints_do(make_client, api_built, onet):
    """A profile of Programmers' own skill levels to the fetched Software Developers: the gap of
    Programmers to them, as the view gives it (the person's side never suppressed)."""
    client = fetching_client(make_client, api_built, onet)
    rows = query(
        api_built,
        "select element_id, effective_level from fct_occupation_ratings where onetsoc_code = %s and domain = 'skills'",
        (PROGRAMMERS,),
        database=api_built.database,
    )
    levels = [{"element_id": element_id, "level": float(level)} for element_id, level in rows]
    response = client.post("/api/v1/profiles/gap", json={"levels": levels, "to": SOFTWARE_DEVELOPERS})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["to"]["code"], body["to"]["source"], body["to"]["onet_version"]) == (
        SOFTWARE_DEVELOPERS,
        "onet_web_services",
        VERSION,
    )
    assert fetches(api_built) == 1
    suppressed = dict(
        query(
            api_built,
            "select element_id, recommend_suppress from fct_occupation_ratings_combined"
            " where onetsoc_code = %s and domain = 'skills'",
            (SOFTWARE_DEVELOPERS,),
            database=api_built.database,
        )
    )
    expected = [
        {**row, "suppressed": suppressed[row["element_id"]]}
        for row in view_rows(api_built, *[PROGRAMMERS, SOFTWARE_DEVELOPERS])
    ]
    assert expected
    assert [as_mart(item) for item in body["gaps"]] == expected
    assert body["not_assessed"] == []
    unconfigured = make_client(service_config(api_built))
    refused = unconfigured.post("/api/v1/profiles/gap", json={"levels": levels, "to": NOT_RATED_ANYWHERE})
    assert refused.status_code == 404 and refused.get_json()["code"] == "no_ratings"
