"""The O*NET Web Services client and store against a local O*NET (real HTTP), the real database and
the session's O*NET Web Services build (`api_built`): after each answer, what the store holds and
what the published gap view answers, with no rebuild in between."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from service.config import OnetApiConfig, ServiceConfig
from service.onet_ws.client import (
    OnetApiClient,
    OnetApiNoRatings,
    OnetApiNotConfigured,
    OnetApiRateLimited,
    OnetApiUnauthorized,
    OnetApiUnavailable,
    OnetApiUnknownCode,
)
from service.onet_ws.store import OnetApiStore
from tests.conftest import query
from tests.service.fake_onet import (
    DROPPED,
    KEY,
    PROGRAMMERS,
    SOFTWARE_DEVELOPERS,
    VERSION,
    FakeOnet,
    error,
    malformed,
    slow,
)


@pytest.fixture
def store(api_store):
    return api_store


@pytest.fixture(autouse=True)
def empty_store(api_built, onet):
    for table in ("fetches", "responses", "ratings"):
        query(api_built, f"delete from {table}", database=f"{api_built.database}_api")
    onet.reset()


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(onet: FakeOnet, sleeps: Sleeps | None = None, **settings) -> OnetApiClient:
    config = OnetApiConfig(api_key=KEY, base_url=onet.base_url, timeout_seconds=10, max_attempts=3)
    config = OnetApiConfig(**{**config.__dict__, **settings})
    return OnetApiClient(config, sleep=sleeps if sleeps is not None else Sleeps())


def stored(settings) -> dict[str, list[tuple]]:
    """Everything in the store, in a stable order."""
    db = f"{settings.database}_api"
    return {
        "fetches": query(
            settings,
            "select onetsoc_code, onet_version, skills_rows, knowledge_rows, request from fetches order by fetch_id",
            database=db,
        ),
        "responses": query(
            settings,
            "select fetch_id, page_number, kind, request_url, http_status, attempts, body from responses"
            " order by fetch_id, page_number",
            database=db,
        ),
        "ratings": query(
            settings,
            "select onetsoc_code, domain, element_id, scale_id, data_value, recommend_suppress, not_relevant,"
            " fetch_id from ratings order by onetsoc_code, domain, element_id, scale_id",
            database=db,
        ),
    }


def gap(settings, from_code: str, to_code: str, domain: str = "skills") -> list[tuple]:
    return query(
        settings,
        "select element_id, from_level, to_level, difference, importance, suppressed, to_anchor is not null,"
        " from_source, to_source from skill_gap_by_level where from_code = %s and to_code = %s and domain = %s"
        " order by element_id",
        (from_code, to_code, domain),
        database=settings.database,
    )


def expected_gap(settings, onet: FakeOnet) -> list[tuple]:
    """skill_gap_by_level from Programmers (the release) to Software Developers (the fake's rows)."""
    from_levels = dict(
        query(
            settings,
            "select element_id, effective_level from fct_occupation_ratings"
            " where onetsoc_code = %s and domain = 'skills'",
            (PROGRAMMERS,),
            database=settings.database,
        )
    )
    from_suppressed = dict(
        query(
            settings,
            "select element_id, recommend_suppress from fct_occupation_ratings"
            " where onetsoc_code = %s and domain = 'skills'",
            (PROGRAMMERS,),
            database=settings.database,
        )
    )
    to_levels, importance, suppressed = {}, {}, {}
    for element_id, _, scale, value, suppress, not_relevant in onet.expected["skills"]:
        if scale == "LV":
            to_levels[element_id] = Decimal(0) if not_relevant == "Y" else value
        else:
            importance[element_id] = value
        suppressed[element_id] = suppressed.get(element_id, False) or suppress == "Y"
    rows = []
    for element_id, from_level in sorted(from_levels.items()):
        to_level = to_levels.get(element_id, Decimal(0))
        if to_level > from_level:
            either = bool(from_suppressed[element_id]) or suppressed.get(element_id, False)
            rows.append(
                (
                    element_id,
                    from_level,
                    to_level,
                    to_level - from_level,
                    importance.get(element_id),
                    int(either),
                    1,
                    "onet_release",
                    "onet_web_services",
                )
            )
    return rows


def fetch_and_store(onet: FakeOnet, store: OnetApiStore, code: str = SOFTWARE_DEVELOPERS, **settings):
    api = client(onet, **settings)
    fetch = api.fetch_occupation(code)
    store.store(fetch)
    return fetch


def assert_no_key(*texts) -> None:
    for text in texts:
        assert KEY not in str(text)


def test_a_fetch_is_stored_with_its_pages_and_version_and_the_gap_view_answers_at_once(api_built, onet, store):
    assert gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS) == []  # nothing fetched yet: no gap
    fetch = fetch_and_store(onet, store)

    held = stored(api_built)
    ((code, version, skills, knowledge, request),) = held["fetches"]
    expected = onet.expected
    assert (code, version) == (SOFTWARE_DEVELOPERS, VERSION)
    assert (skills, knowledge) == (len(expected["skills"]), len(expected["knowledge"]))
    assert [page[2] for page in held["responses"]] == ["about", "skills", "knowledge"]
    assert all(page[4] == 200 and page[5] == 1 for page in held["responses"])
    assert SOFTWARE_DEVELOPERS in request and "/database/rows/skills?filter=onetsoc_code.eq.15-1252.00" in request
    assert_no_key(request, *(page[3] for page in held["responses"]), *(page[6] for page in held["responses"]))
    assert onet.calls[0].headers["X-Api-Key"] == KEY and "key" not in str(onet.calls[0].args).lower()
    # Every row as the service gave it, under the store's key.
    want = sorted(
        (SOFTWARE_DEVELOPERS, domain, e, s, Decimal(str(v)), rs, nr if s == "LV" else None)
        for domain in ("knowledge", "skills")
        for e, _, s, v, rs, nr in expected[domain]
    )
    assert [row[:7] for row in held["ratings"]] == want
    assert len(fetch.rows) == len(want)

    # The published view reads the store: the gap is there without a rebuild.
    answer = gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS)
    assert answer == expected_gap(api_built, onet) and len(answer) > 5
    assert DROPPED not in {row[0] for row in answer}  # level 0 in the target: never a gap
    backwards = gap(api_built, SOFTWARE_DEVELOPERS, PROGRAMMERS)
    assert {row[7:] for row in backwards} <= {("onet_web_services", "onet_release")}
    assert DROPPED in {row[0] for row in backwards}  # 0 in the source, rated in the target

    record = store.last_fetch(SOFTWARE_DEVELOPERS)
    assert record.onet_version == VERSION and record.domains() == ["skills", "knowledge"]
    assert store.is_fresh(record)
    assert store.last_fetch(PROGRAMMERS) is None and not store.is_fresh(None)


def test_every_page_is_followed_and_kept(api_built, onet, store):
    fetch_and_store(onet, store, page_size=10)

    held = stored(api_built)
    skills, knowledge = len(onet.expected["skills"]), len(onet.expected["knowledge"])
    pages = [page for page in held["responses"] if page[2] == "skills"]
    assert len(pages) == -(-skills // 10) > 1
    starts = [call.args.get("start") for call in onet.calls if call.path == "/database/rows/skills"]
    assert starts == [str(start) for start in range(1, skills + 1, 10)]
    assert len(held["ratings"]) == skills + knowledge
    assert gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS) == expected_gap(api_built, onet)


def test_a_refused_key_is_401_and_changes_nothing(api_built, onet, store):
    fetch_and_store(onet, store)
    before, answer = stored(api_built), gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS)
    onet.reset()
    with pytest.raises(OnetApiUnauthorized) as raised:
        client(onet, api_key="not-the-key").fetch_occupation(SOFTWARE_DEVELOPERS)
    assert raised.value.status == 401 and raised.value.path == "/about/"
    assert "401" in raised.value.message and "/about/" in raised.value.message
    assert "Invalid or missing API key" in raised.value.message and "not-the-key" not in raised.value.message
    assert len(onet.calls) == 1  # not retried, nothing else asked
    assert stored(api_built) == before
    assert gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS) == answer


@pytest.mark.parametrize("code", ["15-9999.00", "15-1132.00"], ids=["unknown", "obsolete"])
def test_an_unknown_or_obsolete_code_is_422_not_404(api_built, onet, store, code):
    with pytest.raises(OnetApiUnknownCode) as raised:
        client(onet).fetch_occupation(code)
    assert not isinstance(raised.value, OnetApiNoRatings)
    assert raised.value.status == 422 and raised.value.code == code
    assert code in raised.value.message and "422" in raised.value.message
    assert f"/online/occupations/{code}/" in raised.value.message
    assert stored(api_built) == {"fetches": [], "responses": [], "ratings": []}
    assert gap(api_built, PROGRAMMERS, code) == []


def test_a_422_from_the_rows_endpoint_is_an_unknown_code(api_built, onet, store):
    onet.queue(error(422, "Occupation code 15-1252.00 not found"), path="/database/rows/")
    with pytest.raises(OnetApiUnknownCode, match=r"15-1252\.00 .*422 for GET /database/rows/skills\?"):
        client(onet).fetch_occupation(SOFTWARE_DEVELOPERS)
    assert stored(api_built)["fetches"] == []


def test_a_known_occupation_without_ratings(api_built, onet, store):
    with pytest.raises(OnetApiNoRatings, match=r"no skills or knowledge ratings for 15-1299\.09"):
        client(onet).fetch_occupation("15-1299.09")
    assert stored(api_built)["fetches"] == []


def test_429_then_success_waits_as_told_and_stores_the_retried_page(api_built, onet, store):
    onet.queue(error(429, "Too many requests", {"Retry-After": "2"}), path="/database/rows/knowledge")
    sleeps = Sleeps()
    store.store(client(onet, sleeps).fetch_occupation(SOFTWARE_DEVELOPERS))

    assert sleeps == [2.0]
    held = stored(api_built)
    assert [(page[2], page[5]) for page in held["responses"]] == [("about", 1), ("skills", 1), ("knowledge", 2)]
    assert len(held["ratings"]) == len(onet.expected["skills"]) + len(onet.expected["knowledge"])
    assert gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS) == expected_gap(api_built, onet)


def test_429_every_time_is_rate_limited_after_every_attempt(api_built, onet, store):
    fetch_and_store(onet, store)
    before, answer = stored(api_built), gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS)
    onet.queue(*[error(429, "Too many requests")] * 3, path="/database/rows/skills")
    sleeps = Sleeps()
    with pytest.raises(OnetApiRateLimited) as raised:
        client(onet, sleeps).fetch_occupation(SOFTWARE_DEVELOPERS)
    assert "429" in raised.value.message and "3 attempts" in raised.value.message
    assert "/database/rows/skills?filter=onetsoc_code.eq.15-1252.00" in raised.value.message
    assert len(sleeps) == 2 and all(0 < delay <= 2 for delay in sleeps)  # exponential backoff
    assert stored(api_built) == before and gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS) == answer


def test_a_5xx_is_retried(api_built, onet, store):
    onet.queue(error(503, "Service Unavailable"), path="/about/")
    fetch = fetch_and_store(onet, store)
    assert fetch.pages[0].attempts == 2 and fetch.onet_version == VERSION


def test_no_answer_in_time_is_unavailable_and_changes_nothing(api_built, onet, store):
    fetch_and_store(onet, store)
    before = stored(api_built)
    onet.queue(slow(4), path="/database/rows/skills")
    started = time.monotonic()
    with pytest.raises(OnetApiUnavailable) as raised:
        client(onet, timeout_seconds=1.5).fetch_occupation(SOFTWARE_DEVELOPERS)
    assert time.monotonic() - started < 3
    assert "did not answer" in raised.value.message and "/database/rows/skills" in raised.value.message
    assert raised.value.status is None
    assert stored(api_built) == before


def test_an_unreachable_service_is_unavailable(api_built, store):
    config = OnetApiConfig(api_key=KEY, base_url="http://127.0.0.1:9/", timeout_seconds=2, max_attempts=2)
    with pytest.raises(OnetApiUnavailable, match="cannot be reached") as raised:
        OnetApiClient(config, sleep=Sleeps()).fetch_occupation(SOFTWARE_DEVELOPERS)
    assert_no_key(raised.value.message)


@pytest.mark.parametrize(
    "reply",
    [
        malformed(),
        malformed('{"start": 1, "end": 1, "total": 1, "row": "Reading Comprehension"}'),
        malformed(
            '{"start": 1, "end": 1, "total": 1, "row": [{"element_id": "2.C.1.a", "scale_id": "IM",'
            ' "data_value": "high"}]}'
        ),
        malformed('{"rows": []}'),
    ],
    ids=["not-json", "row-not-a-list", "value-not-a-number", "no-paging"],
)
def test_a_malformed_answer_is_unavailable_and_changes_nothing(api_built, onet, store, reply):
    fetch_and_store(onet, store)
    before, answer = stored(api_built), gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS)
    onet.queue(reply, path="/database/rows/knowledge")
    with pytest.raises(OnetApiUnavailable) as raised:
        client(onet).fetch_occupation(SOFTWARE_DEVELOPERS)
    assert "malformed answer to GET /database/rows/knowledge?" in raised.value.message
    assert SOFTWARE_DEVELOPERS in raised.value.message
    assert stored(api_built) == before and gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS) == answer


def test_without_a_key_nothing_is_asked(onet):
    with pytest.raises(OnetApiNotConfigured, match="ONET_API_KEY"):
        OnetApiClient(OnetApiConfig(base_url=onet.base_url)).fetch_occupation(SOFTWARE_DEVELOPERS)
    assert onet.calls == []


def test_a_new_fetch_replaces_the_occupations_rows(api_built, onet, store):
    first = fetch_and_store(onet, store)
    knowledge = onet.ratings[SOFTWARE_DEVELOPERS]["knowledge"]
    onet.ratings[SOFTWARE_DEVELOPERS]["knowledge"] = []
    try:
        fetch_and_store(onet, store)
    finally:
        onet.ratings[SOFTWARE_DEVELOPERS]["knowledge"] = knowledge
    held = stored(api_built)
    assert [row[2:4] for row in held["fetches"]] == [
        (len(onet.expected["skills"]), len(onet.expected["knowledge"])),
        (len(onet.expected["skills"]), 0),
    ]
    assert {row[1] for row in held["ratings"]} == {"skills"}
    latest = store.last_fetch(SOFTWARE_DEVELOPERS)
    assert {row[7] for row in held["ratings"]} == {latest.fetch_id} and latest.domains() == ["skills"]
    assert first.fetched_at <= latest.fetched_at.replace(tzinfo=None)
    # The knowledge gap is gone with the rows; the skills gap stays.
    assert gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS, "knowledge") == []
    assert gap(api_built, PROGRAMMERS, SOFTWARE_DEVELOPERS) == expected_gap(api_built, onet)


def test_a_stored_fetch_expires_after_the_configured_age(api_built, onet):
    settings = ServiceConfig(
        host=api_built.host,
        port=api_built.port,
        user=api_built.user,
        password=api_built.password,
        database=api_built.database,
    )
    fetch = client(onet).fetch_occupation(SOFTWARE_DEVELOPERS)
    short = OnetApiStore(settings, OnetApiConfig(max_age_days=1 / 86400))  # one second
    forever = OnetApiStore(settings, OnetApiConfig(max_age_days=0))
    short.store(fetch)
    record = short.last_fetch(SOFTWARE_DEVELOPERS)
    assert short.is_fresh(record, now=record.fetched_at)
    assert not short.is_fresh(record, now=record.fetched_at.replace(year=record.fetched_at.year + 1))
    assert forever.is_fresh(record, now=record.fetched_at.replace(year=record.fetched_at.year + 1))
    for s in (short, forever):
        s.engine.dispose()
