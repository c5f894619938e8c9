"""The stores' tables are declared once, in the store modules (service/store_schema.py): the dbt
sources that read them list the same columns with the same types, and the stand-in dbt builds for a
store that does not exist yet casts to those types."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
import yaml

from service.llm.store import TABLES as LLM_TABLES
from service.onet_ws.store import TABLES as ONET_API_TABLES
from service.store_schema import Table

DBT = Path(__file__).resolve().parents[2] / "dbt_project"
STORES = {
    "onet_api": (DBT / "models/staging/onet_api/_onet_api__sources.yml", ONET_API_TABLES),
    "llm": (DBT / "models/staging/llm/_llm__sources.yml", LLM_TABLES),
}
DECLARED = [(source_name, table) for source_name, (_, tables) in STORES.items() for table in tables]
DECLARED_IDS = [f"{source_name}.{table.name}" for source_name, table in DECLARED]
# The dbt macros, rendered by Jinja alone: `service_store_null` needs no database.
STORE_MACROS = jinja2.Environment().from_string((DBT / "macros/llm_store.sql").read_text(encoding="utf-8")).module
# What CAST takes on both MariaDB and MySQL 8, and the collation the stand-in's text needs.
STAND_IN = re.compile(
    r"cast\(null as (?P<type>unsigned|char(\(\d+\))?|decimal\(\d+, \d+\)|date|datetime\(\d\))\)"
    r"(?P<collation> collate utf8mb4_unicode_ci)?"
)


def source_columns(source_name: str) -> dict[str, list[dict]]:
    """Each table of the source, with its columns as the sources YAML lists them."""
    path, _ = STORES[source_name]
    (source,) = [s for s in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"] if s["name"] == source_name]
    return {table["name"]: table.get("columns", []) for table in source["tables"]}


def disagreements(table: Table, listed: list[dict]) -> list[str]:
    declared = {column.name: column.sql_type for column in table.columns}
    yaml_types = {column["name"]: column.get("data_type") for column in listed}
    problems = [f"{table.name}.{name}: declared, but not in the sources YAML" for name in declared.keys() - yaml_types]
    problems += [f"{table.name}.{name}: in the sources YAML, but not declared" for name in yaml_types.keys() - declared]
    problems += [
        f"{table.name}.{name}: declared {declared[name]}, the sources YAML's data_type is {yaml_types[name]}"
        for name in declared.keys() & yaml_types.keys()
        if yaml_types[name] != declared[name]
    ]
    if not problems and list(yaml_types) != list(declared):
        problems.append(f"{table.name}: the sources YAML lists its columns in another order than declared")
    return sorted(problems)


@pytest.mark.parametrize("source_name", STORES)
def test_the_source_lists_every_declared_table_and_no_other(source_name):
    _, tables = STORES[source_name]
    assert sorted(source_columns(source_name)) == sorted(table.name for table in tables)


@pytest.mark.parametrize(("source_name", "table"), DECLARED, ids=DECLARED_IDS)
def test_the_source_columns_are_the_declared_ones(source_name, table):
    assert disagreements(table, source_columns(source_name).get(table.name, [])) == []


@pytest.mark.parametrize("table", [table for _, table in DECLARED], ids=DECLARED_IDS)
def test_the_stand_in_casts_to_the_declared_types(table):
    for column in table.columns:
        stand_in = " ".join(STORE_MACROS.service_store_null(column.sql_type).split())
        match = STAND_IN.fullmatch(stand_in)
        where = f"{table.name}.{column.name} ({column.sql_type}) stands in as {stand_in!r}"
        assert match, f"{where}: not a CAST both MariaDB and MySQL 8 take"
        assert re.findall(r"\(.*\)", match["type"]) == re.findall(r"\(.*\)", column.sql_type), f"{where}: another size"
        assert bool(match["collation"]) == bool(re.search(r"char|text", column.sql_type)), f"{where}: collation"
