"""What the server plans for a query of the published marts."""

from __future__ import annotations

import json

from tests.conftest import query


def served(settings, sql: str, args=None) -> list[tuple]:
    """`sql` against the published marts of `settings`."""
    return query(settings, sql, args, database=settings.database)


def plan_tables(settings, sql: str, args=None) -> list[dict]:
    """Every table access of `sql`'s plan (EXPLAIN FORMAT=JSON), in plan order."""
    plan = json.loads(served(settings, f"explain format=json {sql}", args)[0][0])
    tables = []

    def walk(node):
        if isinstance(node, dict):
            if "table_name" in node and "access_type" in node:
                tables.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(plan)
    return tables
