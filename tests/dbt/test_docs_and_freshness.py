"""`dbt docs generate` describes every model and column; `dbt source freshness` checks the load time."""

from __future__ import annotations

import json

import pytest

from service.db import MARTS
from tests.conftest import drop_databases, make_settings, query, run_dbt, server_connection


@pytest.fixture(scope="module")
def docs(dbt_docs):
    """The manifest and catalog of the session build's `dbt docs generate`."""
    return json.loads((dbt_docs / "manifest.json").read_text()), json.loads((dbt_docs / "catalog.json").read_text())


def test_the_catalog_holds_every_model_and_seed(docs):
    manifest, catalog = docs
    documented = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] in ("model", "seed")}
    assert set(catalog["nodes"]) == documented
    assert {uid for uid in manifest["sources"] if uid.startswith("source.onet_skillgap.onet.")} <= set(
        catalog["sources"]
    )
    assert not catalog.get("errors")
    # The marts are catalogued with the columns the service reads.
    assert {"from_code", "to_code", "from_anchor", "to_anchor"} <= set(
        catalog["nodes"]["model.onet_skillgap.skill_gap"]["columns"]
    )


def test_every_model_and_column_has_a_description(docs):
    manifest, catalog = docs
    missing = []
    for kind in ("nodes", "sources"):
        for uid, entry in catalog[kind].items():
            node = manifest[kind][uid]
            if not node["description"].strip():
                missing.append(uid)
            described = {name.lower() for name, c in node["columns"].items() if c["description"].strip()}
            missing += [f"{uid}.{column}" for column in entry["columns"] if column.lower() not in described]
            # A documented column that does not exist is a stale description.
            missing += [
                f"{uid}.{column} (not in the database)" for column in node["columns"] if column not in entry["columns"]
            ]
    assert missing == []
    exposure = manifest["exposures"]["exposure.onet_skillgap.skill_gap_api"]
    # Every mart the service reads (service.db.MARTS) is one the exposure names.
    assert {f"model.onet_skillgap.{name}" for name in MARTS} <= set(exposure["depends_on"]["nodes"])


def test_source_freshness_passes_after_a_load(built_settings, tmp_path):
    result = run_dbt(built_settings, "source", "freshness", out_dir=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    sources = json.loads((tmp_path / "target" / "sources.json").read_text())["results"]
    assert [(s["unique_id"], s["status"]) for s in sources] == [("source.onet_skillgap.onet.load_history", "pass")]
    assert 0 <= sources[0]["max_loaded_at_time_ago_in_s"] < 3600


@pytest.mark.parametrize(("days", "status", "returncode"), [(150, "warn", 0), (500, "error", 1)])
def test_source_freshness_flags_an_old_load(loaded_settings, tmp_path, days, status, returncode):
    """A private landing database whose only load finished `days` ago (only `load_history` is read)."""
    settings = make_settings(tmp_path)
    source = f"`{loaded_settings.raw_database}`.load_history"
    try:
        with server_connection(settings) as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{settings.raw_database}` COLLATE utf8mb4_unicode_ci")
            cur.execute(f"CREATE TABLE `{settings.raw_database}`.load_history LIKE {source}")
            # The session's newest load alone.
            cur.execute(
                f"INSERT INTO `{settings.raw_database}`.load_history"
                f" SELECT * FROM {source} WHERE status = 'loaded' ORDER BY load_id DESC LIMIT 1"
            )
            cur.execute(
                f"UPDATE `{settings.raw_database}`.load_history SET finished_at = UTC_TIMESTAMP(6) - INTERVAL %s DAY",
                (days,),
            )
        result = run_dbt(settings, "source", "freshness", out_dir=tmp_path)
        assert result.returncode == returncode, result.stdout[-3000:]
        sources = json.loads((tmp_path / "target" / "sources.json").read_text())["results"]
        assert [s["status"] for s in sources] == [status]
        assert query(settings, "select count(*) from load_history") == [(1,)]
    finally:
        drop_databases(settings)
