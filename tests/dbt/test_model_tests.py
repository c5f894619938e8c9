"""Every dbt model has a test: the manifest of the session's `dbt build` names none without one."""

from __future__ import annotations

import json


def untested_models(manifest: dict) -> list[str]:
    """Models that no test node depends on (a test of another model that refers to it counts)."""
    nodes = manifest["nodes"].values()
    tested = {uid for node in nodes if node["resource_type"] == "test" for uid in node["depends_on"]["nodes"]}
    models = {node["unique_id"]: node["name"] for node in nodes if node["resource_type"] == "model"}
    return sorted(name for uid, name in models.items() if uid not in tested)


def test_every_model_has_a_test(dbt_build):
    manifest = json.loads((dbt_build / "target" / "manifest.json").read_text())
    assert any(node["resource_type"] == "model" for node in manifest["nodes"].values())
    untested = untested_models(manifest)
    assert untested == [], f"models without any dbt test (give each at least a test of its key): {', '.join(untested)}"
