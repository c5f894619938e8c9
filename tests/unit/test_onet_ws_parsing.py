"""How the O*NET Web Services client reads the pages it received: rows into ratings, `about/` into a
version, and anything else into its errors (no request is made here)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from service.config import OnetApiConfig
from service.onet_ws.client import (
    OccupationFetch,
    OnetApiClient,
    OnetApiNotConfigured,
    OnetApiUnavailable,
    OnetApiUnknownCode,
    Page,
    RatingRow,
    _backoff,
    _parse_rows,
    _unique,
    database_version,
)

CODE = "15-1252.00"
WHERE = f"/database/rows/skills?filter=onetsoc_code.eq.{CODE}&start=1&end=2000"


def page(rows) -> Page:
    body = {"start": 1, "end": 3, "total": 3, "row": rows}
    return Page(kind="skills", url="https://api-v2.onetcenter.org" + WHERE, status=200, body=body, attempts=1)


def read(body, domain: str = "skills") -> list[RatingRow]:
    return _parse_rows(Page(domain, "https://api-v2.onetcenter.org" + WHERE, 200, body, 1), domain, CODE, WHERE)


def parse(rows, domain: str = "skills") -> list[RatingRow]:
    return read(page(rows).body, domain)


def rated(element_id: str = "2.A.1.a", scale: str = "IM", value=3.75, **fields) -> dict:
    return {"onetsoc_code": CODE, "element_id": element_id, "scale_id": scale, "data_value": value, **fields}


def assert_malformed(body, why: str) -> None:
    with pytest.raises(OnetApiUnavailable) as raised:
        read(body)
    error = raised.value
    assert error.message == f"O*NET Web Services sent a malformed answer to GET {WHERE} ({CODE}): {why}"
    assert (error.status, error.path, error.code) == (200, WHERE, CODE)


def test_a_row_becomes_a_rating_named_as_in_the_release():
    (row,) = parse(
        [
            rated(
                element_name="Reading Comprehension",
                n="8",
                standard_error="0.1234",
                lower_ci_bound=3.5,
                upper_ci_bound="4.0000",
                recommend_suppress="n",
                not_relevant=None,
                date_updated="2024-08-01",
                domain_source="Analyst",
            )
        ]
    )
    assert row == RatingRow(
        onetsoc_code=CODE,
        domain="skills",
        element_id="2.A.1.a",
        element_name="Reading Comprehension",
        scale_id="IM",
        data_value=Decimal("3.75"),
        n=8,
        standard_error=Decimal("0.1234"),
        lower_ci_bound=Decimal("3.5"),
        upper_ci_bound=Decimal("4.0000"),
        recommend_suppress="N",
        not_relevant=None,
        date_updated=date(2024, 8, 1),
        domain_source="Analyst",
    )


def test_numbers_become_the_decimals_they_read_as_never_binary_fractions():
    values = [4.12, "4.12", 4, "0.10", 1e-7]
    rows = parse([rated(f"2.A.1.{chr(97 + i)}", value=v) for i, v in enumerate(values)])
    assert [r.data_value for r in rows] == [
        Decimal("4.12"),
        Decimal("4.12"),
        Decimal("4"),
        Decimal("0.10"),
        Decimal("1E-7"),
    ]
    assert str(rows[3].data_value) == "0.10"


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ({"n": 8.0, "standard_error": "NaN", "lower_ci_bound": "n/a", "upper_ci_bound": True}, (8, None, None, None)),
        ({"n": True, "standard_error": "Infinity", "lower_ci_bound": [1], "upper_ci_bound": None}, (None,) * 4),
        (
            {"n": " 12 ", "standard_error": 0, "lower_ci_bound": "-0.5", "upper_ci_bound": 7},
            (12, Decimal("0"), Decimal("-0.5"), Decimal("7")),
        ),
        ({"n": "8.5", "standard_error": "1e2"}, (None, Decimal("1E+2"), None, None)),
    ],
    ids=["not-finite-or-not-numbers", "booleans-and-lists", "numbers-as-text", "n-not-whole"],
)
def test_optional_numbers_that_are_not_numbers_are_null(given, read):
    (row,) = parse([rated(**given)])
    assert (row.n, row.standard_error, row.lower_ci_bound, row.upper_ci_bound) == read


def test_flags_dates_and_texts():
    rows = parse(
        [
            rated("2.A.1.a", "IM", recommend_suppress=True, not_relevant=None, date_updated="08/2024"),
            rated("2.A.1.a", "LV", recommend_suppress=False, not_relevant="y", date_updated=""),
            rated("2.A.1.b", "IM", element_name="x" * 200, domain_source="y" * 40, date_updated="2023-07-15T00:00:00"),
        ]
    )
    assert [(r.recommend_suppress, r.not_relevant, r.date_updated) for r in rows] == [
        ("Y", None, date(2024, 8, 1)),
        ("N", "Y", None),
        (None, None, date(2023, 7, 15)),
    ]
    # Cut to the store's column widths.
    assert (rows[2].element_name, rows[2].domain_source) == ("x" * 150, "y" * 30)


def test_only_the_importance_and_level_scales_are_kept():
    rows = parse([rated(scale="IM"), rated(scale="LV"), rated(scale="CXP"), {"scale_id": None}])
    assert [r.scale_id for r in rows] == ["IM", "LV"]
    assert parse([]) == [] and read({"start": 0, "end": 0, "total": 0}) == []


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        ("Reading Comprehension", "`row` is not a list"),
        ([rated(), "2.A.1.b"], "row 2 is not an object"),
        ([rated(onetsoc_code="15-1251.00")], "row 1 is for '15-1251.00'"),
        ([rated(element_id=None)], "row 1 has no element_id"),
        ([rated(element_id="2.A.1.a; drop")], "row 1 has no element_id"),
        ([rated(value="high")], "row 1 (2.A.1.a IM) has no numeric data_value"),
        ([rated(value=None)], "row 1 (2.A.1.a IM) has no numeric data_value"),
        ([rated(value="NaN")], "row 1 (2.A.1.a IM) has no numeric data_value"),
        ([rated(recommend_suppress="maybe")], "row 1 (2.A.1.a IM): flag 'maybe' is not Y or N"),
        ([rated(date_updated="yesterday")], "row 1 (2.A.1.a IM): date_updated 'yesterday' is not a date"),
        ([rated(element_name=5)], "row 1 (2.A.1.a IM): 5 is not text"),
    ],
    ids=[
        "row-not-a-list",
        "row-not-an-object",
        "another-occupation",
        "no-element",
        "element-not-an-id",
        "value-not-a-number",
        "no-value",
        "value-not-finite",
        "flag-not-y-or-n",
        "date-not-a-date",
        "name-not-text",
    ],
)
def test_a_row_that_is_not_a_rating_is_a_malformed_answer(rows, why):
    assert_malformed(page(rows).body, why)


def test_a_body_that_is_not_an_object_is_a_malformed_answer():
    assert_malformed(["not", "an", "object"], "`row` is not a list")


def test_repeated_rows_are_kept_once_and_differing_ones_refused():
    first, level = parse([rated(), rated(scale="LV", value=4.5)])
    assert _unique([first, level, first], CODE) == [first, level]
    other = parse([rated(value=2.0)])[0]
    with pytest.raises(OnetApiUnavailable) as raised:
        _unique([first, other], CODE)
    assert raised.value.message == (
        f"O*NET Web Services sent a malformed answer to GET database/rows/skills ({CODE}):"
        " two different 2.A.1.a IM rows"
    )


@pytest.mark.parametrize(
    ("about", "version"),
    [
        ({"api_version": "2.0", "database": {"version": "30.0", "title": "O*NET 30.0 Database"}}, "30.0"),
        ({"database": {"title": "O*NET 29.3 Database"}}, "29.3"),
        ({"database": "O*NET 31.0 Database"}, "31.0"),
        ({"onet_database": "O*NET 28.1"}, "28.1"),
        ({"database_version": 30.1}, "30.1"),
        ({"db_version": "version 27.10 of the database"}, "27.10"),
        ({"api_version": "2.0"}, None),
        ({"database": {"title": "O*NET Database"}}, None),
        ({"database": "release 123.4"}, None),
        (["30.0"], None),
        (None, None),
    ],
)
def test_the_database_version_from_about(about, version):
    assert database_version(about) == version


def test_a_fetch_lists_its_requests_and_the_domains_it_has_rows_for():
    knowledge = parse([rated("2.C.1.a")], domain="knowledge")
    fetch = OccupationFetch(
        onetsoc_code=CODE,
        base_url="https://api-v2.onetcenter.org/",
        fetched_at=datetime(2026, 1, 2, 3, 4, 5),
        onet_version="30.0",
        rows=knowledge + parse([rated()]) + knowledge,
        pages=[Page("about", "https://api-v2.onetcenter.org/about/", 200, {}, 1), page([])],
    )
    assert fetch.requests == ["https://api-v2.onetcenter.org/about/", "https://api-v2.onetcenter.org" + WHERE]
    assert fetch.domains() == ["knowledge", "skills"]


def test_without_a_key_or_with_a_bad_code_no_request_is_made():
    with pytest.raises(OnetApiNotConfigured, match="set ONET_API_KEY"):
        OnetApiClient(OnetApiConfig()).fetch_occupation(CODE)
    client = OnetApiClient(OnetApiConfig(api_key="secret-key"))
    with pytest.raises(OnetApiUnknownCode) as raised:
        client.fetch_occupation("15-1252")
    assert raised.value.message == "'15-1252' is not an O*NET-SOC code (NN-NNNN.NN)"
    assert raised.value.status is None and "secret-key" not in repr(client.config)


@pytest.mark.parametrize(("attempt", "most"), [(1, 0.5), (2, 1.0), (3, 2.0), (5, 8.0), (6, 10.0), (40, 10.0)])
def test_backoff_doubles_from_half_a_second_up_to_ten_with_jitter(attempt, most):
    delays = [_backoff(attempt) for _ in range(200)]
    assert all(most / 2 <= delay <= most for delay in delays)
    assert len(set(delays)) > 1
