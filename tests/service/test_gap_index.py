"""The service's gaps are the gap views' rows, in the order of the gap rule (service/gap_rule.py):
from the ratings in memory for release pairs, and from the views through `Database.gaps` for pairs
whose ratings come from O*NET Web Services. The views are queried here directly, in SQL, ordered
as the rule states it: largest difference first, then most important, then element id."""

from __future__ import annotations

import random

import pytest
from pymysql.cursors import DictCursor

from service import gap_rule
from service.api.context import EXTENSION
from service.api.gaps import GapItemSchema
from tests.conftest import query, server_connection
from tests.service.fake_onet import PROGRAMMERS, SOFTWARE_DEVELOPERS
from tests.service.test_gaps import COLUMNS, as_mart
from tests.service.test_gaps_web_services import fetching_client

MODELS = tuple(gap_rule.CONDITIONS)
PATHS = {"skill_gap": "/api/v1/skill-gap", "skill_gap_by_level": "/api/v1/skill-gap-by-lvl"}
ITEMS = GapItemSchema(many=True)
FILTERS = [{}, {"min_importance": 3.0}, {"min_importance": 2.88}, {"exclude_suppressed": True}]
FILTER_IDS = ["all", "importance-3", "importance-2.88", "unsuppressed"]


@pytest.fixture(scope="module")
def published(app):
    return app.extensions[EXTENSION].builds.get()


@pytest.fixture(scope="module")
def views(built_settings):
    """The gap views of the session's marts, one pair at a time."""
    with server_connection(built_settings) as conn:
        conn.select_db(built_settings.database)
        yield lambda *pair, **filters: view_rows(conn, *pair, **filters)


def view_rows(
    conn,
    model: str,
    from_code: str,
    to_code: str,
    domain: str,
    min_importance: float | None = None,
    exclude_suppressed: bool = False,
) -> list[dict]:
    sql = f"select {COLUMNS} from {model} where from_code = %s and to_code = %s and domain = %s"
    args: list = [from_code, to_code, domain]
    if min_importance is not None:
        sql += " and importance >= %s"
        args.append(min_importance)
    if exclude_suppressed:
        sql += " and suppressed = 0"
    with conn.cursor(DictCursor) as cur:
        cur.execute(sql + " order by difference desc, importance desc, element_id", args)
        return list(cur.fetchall())


def pairs(published, domain: str, count: int) -> list[tuple[str, str]]:
    rated = sorted(code for code in published.reference.occupations if published.gap_index.rated(code, domain))
    chosen = random.Random(f"gap-index-{domain}")
    return [(chosen.choice(rated), chosen.choice(rated)) for _ in range(count)] + [(rated[0], rated[0])]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("domain", ["skills", "knowledge"])
@pytest.mark.parametrize("filters", FILTERS, ids=FILTER_IDS)
def test_every_answer_is_the_gap_views_answer(app, published, views, model, domain, filters):
    db = app.extensions[EXTENSION].db
    nonempty = 0
    for from_code, to_code in pairs(published, domain, 150):
        expected = ITEMS.dump(views(model, from_code, to_code, domain, **filters))
        args = {"min_importance": None, "exclude_suppressed": False, **filters}
        assert ITEMS.dump(published.gap_index.gaps(model, from_code, to_code, domain, **args)) == expected, (
            from_code,
            to_code,
        )
        assert ITEMS.dump(db.gaps(model, from_code, to_code, domain, **args)) == expected, (from_code, to_code)
        nonempty += bool(expected)
    assert nonempty >= 20, "the sample should hold pairs with gaps"


def test_suppressed_ratings_are_in_the_sample(app, published):
    """The comparison above meets suppressed ratings: without them exclude_suppressed proves nothing."""
    suppressed = [
        row
        for from_code, to_code in pairs(published, "skills", 150)
        for row in published.gap_index.gaps("skill_gap_by_level", from_code, to_code, "skills")
        if row["suppressed"]
    ]
    assert suppressed


def test_unrated_occupations_have_no_gap(published):
    assert not published.gap_index.rated("15-1252.00", "skills")
    assert published.gap_index.gaps("skill_gap_by_level", "15-1252.00", "11-1011.00", "skills") == []


def test_the_build_read_into_memory_is_out_of_the_collectors_full_passes(published):
    import gc

    # Tens of thousands of ratings and their indexes: a full collection over them stalls requests.
    assert gc.get_freeze_count() > 100_000


def web_services_pairs(settings) -> list[tuple[str, str]]:
    """Software Developers (rated by the fake O*NET Web Services only) from and to release
    occupations, and to itself."""
    rows = query(
        settings, "select onetsoc_code from dim_occupations where has_skills = 1 order by 1", database=settings.database
    )
    rated = [code for (code,) in rows]
    others = [PROGRAMMERS, *random.Random("gap-index-web-services").sample(rated, 8)]
    return [(SOFTWARE_DEVELOPERS, SOFTWARE_DEVELOPERS)] + [
        pair for other in others for pair in ((SOFTWARE_DEVELOPERS, other), (other, SOFTWARE_DEVELOPERS))
    ]


@pytest.mark.parametrize("model", MODELS)
def test_pairs_answered_from_web_services_ratings_are_the_gap_views_answer(make_client, api_built, onet, model):
    for table in ("fetches", "responses", "ratings"):
        query(api_built, f"delete from {table}", database=f"{api_built.database}_api")
    client = fetching_client(make_client, api_built, onet)
    nonempty = 0
    with server_connection(api_built) as conn:
        conn.select_db(api_built.database)
        for from_code, to_code in web_services_pairs(api_built):
            for domain in ("skills", "knowledge"):
                for filters in FILTERS:
                    response = client.get(
                        PATHS[model],
                        query_string={"from": from_code, "to": to_code, "domain": domain, **filters},
                    )
                    assert response.status_code == 200, response.get_json()
                    body = response.get_json()
                    assert "onet_web_services" in (body["from"]["source"], body["to"]["source"])
                    expected = view_rows(conn, model, from_code, to_code, domain, **filters)
                    assert [as_mart(item) for item in body["gaps"]] == expected, (from_code, to_code, domain, filters)
                    nonempty += bool(expected)
    assert nonempty >= 20, "the pairs should have gaps"
