"""The combined ratings (fct_occupation_ratings_combined) over the session's O*NET Web Services
build (`api_built`): rows the store holds are in the published views at once, shaped like the
release's; the release wins where both rate an occupation; dbt's tests hold with store rows present;
a pair stays primary-key lookups."""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from service.onet_ws.client import OccupationFetch, Page, RatingRow
from tests.conftest import query, run_dbt
from tests.dbt.plans import plan_tables, served

UNRATED = "15-1252.00"  # Software Developers: no ratings in the 29.3 release
RATED = "11-1011.00"  # Chief Executives
MODEL = "15-1251.00"  # the store's rows are made from Computer Programmers' release ratings
NOT_RELEVANT, LEFT_OUT = "2.B.3.e", "2.A.2.d"  # Equipment Maintenance; Monitoring


def made_up_fetch(settings, code: str, shift: Decimal) -> OccupationFetch:
    """A fetch of `code` with MODEL's release rows, levels moved by `shift` (kept in 0-7), one skill
    marked Not Relevant and one left out."""
    rows = []
    for domain in ("skills", "knowledge"):
        for element_id, name, scale, value, n, error, suppress, not_relevant in query(
            settings,
            f"select element_id, element_name, scale_id, data_value, n, standard_error, recommend_suppress,"
            f" not_relevant from {domain} where onetsoc_code = %s",
            (MODEL,),
        ):
            if element_id == LEFT_OUT:
                continue
            if scale == "LV":
                value = min(Decimal(7), max(Decimal(0), value + shift))
                not_relevant = "Y" if element_id == NOT_RELEVANT else not_relevant
            rows.append(
                RatingRow(code, domain, element_id, name, scale, value, n, error, None, None, suppress, not_relevant)
            )
    about = Page("about", "http://onet.test/about/", 200, {"database": {"version": "30.0"}}, 1)
    return OccupationFetch(code, "http://onet.test/", datetime.now(UTC).replace(tzinfo=None), "30.0", rows, [about])


@pytest.fixture
def store(api_store):
    return api_store


@pytest.fixture
def stored(api_built, store):
    """The store holding made-up fetches of an unrated and a rated occupation; emptied after."""
    store.store(made_up_fetch(api_built, UNRATED, Decimal("0.5")))
    store.store(made_up_fetch(api_built, RATED, Decimal("-1")))
    yield
    for table in ("fetches", "responses", "ratings"):
        query(api_built, f"delete from {table}", database=f"{api_built.database}_api")


def nearest_anchor(anchors: list[tuple], level: Decimal) -> str | None:
    """The anchor nearest to the level, the lower one when halfway (from the raw anchors)."""
    if not anchors:
        return None
    best = min(anchors, key=lambda anchor: (abs(anchor[0] - level), anchor[0]))
    return best[1]


def test_store_rows_are_in_the_combination_at_once_with_every_element(api_built, stored):
    rows = served(
        api_built,
        "select domain, element_id, importance, level, effective_level, not_relevant, recommend_suppress,"
        " level_anchor, source from fct_occupation_ratings_combined where onetsoc_code = %s",
        (UNRATED,),
    )
    elements = served(api_built, "select domain, count(*) from dim_elements group by domain")
    assert sorted((domain, sum(1 for r in rows if r[0] == domain)) for domain, _ in elements) == sorted(elements)
    assert {row[8] for row in rows} == {"onet_web_services"}

    model = {
        (domain, element_id): (importance, level, not_relevant)
        for domain, element_id, importance, level, not_relevant in served(
            api_built,
            "select domain, element_id, importance, level, not_relevant from fct_occupation_ratings"
            " where onetsoc_code = %s",
            (MODEL,),
        )
    }
    raw_anchors: dict[str, list[tuple]] = {}
    for element_id, value, description in query(
        api_built, "select element_id, anchor_value, anchor_description from level_scale_anchors where scale_id = 'LV'"
    ):
        raw_anchors.setdefault(element_id, []).append((value, description))
    for domain, element_id, importance, level, effective, not_relevant, _, anchor, _ in rows:
        if element_id == LEFT_OUT:
            assert (importance, level, effective) == (None, None, 0)
        else:
            model_importance, model_level, model_not_relevant = model[(domain, element_id)]
            assert importance == model_importance
            assert level == min(Decimal(7), model_level + Decimal("0.5"))
            flagged = element_id == NOT_RELEVANT or model_not_relevant
            assert not_relevant == int(bool(flagged))
            assert effective == (0 if flagged else level)
        assert anchor == nearest_anchor(raw_anchors.get(element_id, []), effective)


def test_the_release_wins_where_both_rate_an_occupation(api_built, stored):
    release = served(
        api_built,
        "select domain, element_id, effective_level, importance, level_anchor from fct_occupation_ratings"
        " where onetsoc_code = %s order by 1, 2",
        (RATED,),
    )
    combined = served(
        api_built,
        "select domain, element_id, effective_level, importance, level_anchor, source"
        " from fct_occupation_ratings_combined where onetsoc_code = %s order by 1, 2",
        (RATED,),
    )
    assert [row[:5] for row in combined] == release
    assert {row[5] for row in combined} == {"onet_release"}
    gaps = served(
        api_built,
        "select distinct from_source, to_source from skill_gap_by_level where from_code = %s and to_code = %s",
        (RATED, UNRATED),
    )
    assert gaps == [("onet_release", "onet_web_services")]


def test_dbt_tests_hold_with_store_rows_present(api_built, stored, tmp_path):
    result = run_dbt(
        api_built,
        "test",
        "--select",
        "fct_occupation_ratings_combined stg_onet_api__ratings assert_release_ratings_win_over_web_services"
        " assert_unrated_occupations_have_no_gaps assert_gap_levels_increase",
        out_dir=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    statuses = [r["status"] for r in json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]]
    assert len(statuses) > 10 and set(statuses) == {"pass"}


def pair_plan(settings, from_code: str, to_code: str) -> list[dict]:
    return plan_tables(
        settings,
        "select element_id, name, domain, from_level, to_level, difference, importance, suppressed, from_anchor,"
        " to_anchor from skill_gap_by_level where from_code = %s and to_code = %s and domain = 'skills'",
        (from_code, to_code),
    )


@pytest.mark.parametrize("pair", [(MODEL, UNRATED), (UNRATED, MODEL), (MODEL, RATED)], ids=str)
def test_a_pair_is_primary_key_lookups_with_store_rows_present(api_built, stored, pair):
    tables = pair_plan(api_built, *pair)
    scans = [table for table in tables if table["access_type"] not in ("const", "eq_ref", "ref")]
    # One read of dim_elements' 68 rows (cheaper than its domain index), then only key lookups.
    assert [(t["table_name"], t["access_type"]) for t in scans] in ([], [("rated_element", "ALL")])
    assert all(table.get("rows", 0) <= 68 for table in scans)
    for table in tables:
        if table not in scans:
            assert table.get("key") == "PRIMARY", table
    names = {table["table_name"] for table in tables}
    assert {"occupation", "file_rating", "api_importance", "api_level", "api_anchor"} <= names


def test_a_pair_takes_milliseconds(api_built, stored):
    sql = (
        "select element_id, name, domain, from_level, to_level, difference, importance, suppressed,"
        " from_anchor, to_anchor from skill_gap_by_level where from_code = %s and to_code = %s and domain = %s"
    )
    from tests.conftest import server_connection

    timings = []
    with server_connection(api_built) as conn, conn.cursor() as cur:
        conn.select_db(api_built.database)
        for i in range(300):
            pair = (MODEL, UNRATED) if i % 2 else (UNRATED, RATED)
            started = time.perf_counter()
            cur.execute(sql, (*pair, "skills" if i % 3 else "knowledge"))
            assert cur.fetchall()
            timings.append(time.perf_counter() - started)
    p99 = statistics.quantiles(timings, n=100)[98]
    assert p99 < 0.025, f"p99 {p99 * 1000:.2f} ms"
