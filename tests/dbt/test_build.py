"""The session's `dbt build`: every node passed, the marts are published, and they hold the release."""

from __future__ import annotations

import json

import pytest

from tests.conftest import query
from tests.dbt.plans import plan_tables, served

PUBLISHED_TABLES = {
    "dim_alternate_titles",
    "dim_domains",
    "dim_elements",
    "dim_level_anchors",
    "dim_occupations",
    "dim_technology_categories",
    "fct_occupation_ratings",
    "fct_occupation_technology",
    "llm_level_agreement",
    "llm_skill_levels",
    "related_occupations",
    "release_info",
}
PUBLISHED_VIEWS = {"fct_occupation_ratings_combined", "skill_gap", "skill_gap_by_level", "technology_gap"}


def relations(settings, database: str) -> dict[str, str]:
    rows = query(
        settings,
        "select table_name, table_type from information_schema.tables where table_schema = %s",
        (database,),
        database="information_schema",
    )
    return dict(rows)


def test_every_node_of_the_project_ran_and_passed(dbt_build):
    results = json.loads((dbt_build / "target" / "run_results.json").read_text())["results"]
    manifest = json.loads((dbt_build / "target" / "manifest.json").read_text())
    statuses = {r["unique_id"]: r["status"] for r in results}
    assert {s for s in statuses.values()} <= {"success", "pass"}, {k: v for k, v in statuses.items() if v != "pass"}
    expected = {
        uid for uid, node in manifest["nodes"].items() if node["resource_type"] in ("model", "seed", "test", "snapshot")
    }
    assert set(statuses) == expected
    assert sum(1 for uid in expected if uid.startswith("test.")) > 100


def test_the_marts_are_published_in_the_service_database(built_settings):
    assert relations(built_settings, built_settings.database) == {
        **dict.fromkeys(PUBLISHED_TABLES, "BASE TABLE"),
        **dict.fromkeys(PUBLISHED_VIEWS, "VIEW"),
    }
    # The published views read the published tables, not the build database's.
    definitions = query(
        built_settings,
        "select view_definition from information_schema.views where table_schema = %s",
        (built_settings.database,),
        database="information_schema",
    )
    assert len(definitions) == len(PUBLISHED_VIEWS)
    for (definition,) in definitions:
        assert f"`{built_settings.database}`.`fct_occupation_" in definition
        assert "_build`" not in definition
    # The build database keeps a view of each published table for dbt's later commands.
    build = relations(built_settings, f"{built_settings.database}_build")
    assert all(build[name] == "VIEW" for name in PUBLISHED_TABLES)


def test_the_published_tables_use_the_landing_tables_collation(built_settings):
    rows = query(
        built_settings,
        "select distinct table_collation from information_schema.tables where table_schema = %s and table_type = %s",
        (built_settings.database, "BASE TABLE"),
        database="information_schema",
    )
    assert rows == [("utf8mb4_unicode_ci",)]


def test_release_info_describes_the_load(built_settings):
    (load_id, finished_at) = query(
        built_settings, "select load_id, finished_at from load_history where status = 'loaded'"
    )[0]
    rows = served(built_settings, "select onet_release, load_id, loaded_at, built_at from release_info")
    assert len(rows) == 1
    release, published_load, loaded_at, built_at = rows[0]
    assert (release, published_load, loaded_at) == ("29.3", load_id, finished_at)
    assert built_at >= loaded_at.replace(microsecond=0)


def test_dim_occupations(built_settings):
    rows = served(
        built_settings,
        "select count(*), sum(has_skills), sum(has_knowledge), sum(has_abilities), sum(has_work_activities),"
        " count(job_zone), count(distinct major_group_code), sum(major_group_name is null) from dim_occupations",
    )
    assert rows == [(1016, 879, 879, 0, 0, 923, 23, 0)]
    assert served(
        built_settings,
        "select major_group_code, major_group_name, job_zone, job_zone_name, rated_domain_count"
        " from dim_occupations where onetsoc_code = %s",
        ("15-1252.00",),
    ) == [("15", "Computer and Mathematical Occupations", 4, "Job Zone Four: Considerable Preparation Needed", 0)]


def test_dim_elements_categories(built_settings):
    rows = served(
        built_settings,
        "select category_group, category, count(*) from dim_elements where domain = 'skills'"
        " group by category_group, category order by min(element_id)",
    )
    assert rows == [
        ("Basic Skills", "Content", 6),
        ("Basic Skills", "Process", 4),
        ("Cross-Functional Skills", "Social Skills", 6),
        ("Cross-Functional Skills", "Complex Problem Solving Skills", 1),
        ("Cross-Functional Skills", "Technical Skills", 11),
        ("Cross-Functional Skills", "Systems Skills", 3),
        ("Cross-Functional Skills", "Resource Management Skills", 4),
    ]
    assert served(built_settings, "select domain, count(*) from dim_elements group by domain order by domain") == [
        ("knowledge", 33),
        ("skills", 35),
    ]
    assert served(
        built_settings, "select domain, element_count, rated_occupation_count from dim_domains order by sort_order"
    ) == [("skills", 35, 879), ("knowledge", 33, 879), ("abilities", 0, 0), ("work_activities", 0, 0)]


def test_fct_occupation_ratings_effective_level(built_settings):
    assert served(built_settings, "select count(*) from fct_occupation_ratings") == [(879 * (35 + 33),)]
    # Not Relevant: O*NET still gives an LV value, which counts as 0.
    rows = served(
        built_settings,
        "select count(*), sum(level > 0), max(effective_level) from fct_occupation_ratings where not_relevant = 1",
    )
    count, positive, highest = rows[0]
    assert count > 1000 and positive > 0 and highest == 0
    rows = served(
        built_settings,
        "select count(*) from fct_occupation_ratings where not_relevant = 0 and effective_level <> level",
    )
    assert rows == [(0,)]


def test_a_technology_gap_pair_is_primary_key_lookups(built_settings):
    """The view merges into the query: the source by its key, the target's rows by the key's
    prefix, and per row a lookup of the source's category by the key's first two parts."""
    tables = plan_tables(
        built_settings,
        "select * from technology_gap where from_code = %s and to_code = %s",
        ("11-1011.00", "15-1252.00"),
    )
    steps = [(t["table_name"], t["access_type"], t.get("key"), t.get("used_key_parts")) for t in tables]
    assert steps == [
        ("source_occupation", "const", "PRIMARY", ["onetsoc_code"]),
        ("target_technology", "ref", "PRIMARY", ["onetsoc_code"]),
        ("source_technology", "ref", "PRIMARY", ["onetsoc_code", "category_id"]),
    ]


@pytest.mark.parametrize("model", ["skill_gap", "skill_gap_by_level"])
def test_a_pair_is_primary_key_lookups_per_element(built_settings, model):
    """The view merges into the query: each side's occupation by its key, the domain's elements,
    and per element a lookup of the whole fact key (the store is not read where the release rates)."""
    tables = plan_tables(
        built_settings,
        f"select * from {model} where from_code = %s and to_code = %s and domain = %s",
        ("11-1011.00", "15-1211.00", "skills"),
    )
    steps = {}
    for table in tables:
        steps.setdefault(table["table_name"], []).append((table["access_type"], table.get("key")))
    assert steps["occupation"] == [("const", "PRIMARY")] * 2
    assert sorted(steps["rated_element"]) == [("ALL", None), ("eq_ref", "PRIMARY")]
    assert steps["file_rating"] == [("eq_ref", "PRIMARY")] * 2
    for table in tables:
        if table["table_name"] == "file_rating":
            assert table["used_key_parts"] == ["onetsoc_code", "domain", "element_id"]
    assert all(table["access_type"] in ("const", "eq_ref", "ref", "ALL") for table in tables)
    scans = [table for table in tables if table["access_type"] == "ALL" and table["table_name"] != "rated_element"]
    # The session's build has no O*NET Web Services store: its stand-ins are one-row derived tables.
    assert all(t["table_name"].startswith("<derived") and t["rows"] <= 1 for t in scans), scans
