"""Publish staged tables all at once, and clean up what a killed load left behind."""

from __future__ import annotations

import pymysql

from .specs import FileSpec


def _existing_tables(cur: pymysql.cursors.Cursor) -> set[str]:
    cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
    return {r[0] for r in cur.fetchall()}


def drop_leftovers(cur: pymysql.cursors.Cursor) -> list[str]:
    """Drop the new and old tables of loads that did not finish."""
    leftovers = sorted(t for t in _existing_tables(cur) if "__new_" in t or "__old_" in t)
    if leftovers:
        cur.execute("DROP TABLE IF EXISTS " + ", ".join(f"`{t}`" for t in leftovers))
    return leftovers


def data_checksum(cur: pymysql.cursors.Cursor, spec: FileSpec, table: str) -> int:
    """An order-free checksum over the data columns of the rows from `spec`'s file and its constants
    (not the line or lineage)."""
    names = [c.name for c in spec.columns] + [name for name, _value in spec.constants]
    fields = ", ".join(f"COALESCE(`{name}`, '\\\\N')" for name in names)
    cur.execute(
        f"SELECT COALESCE(BIT_XOR(CRC32(CONCAT_WS('\\t', {fields}))), 0) FROM `{table}` WHERE `_source_file` = %s",
        (spec.file_name,),
    )
    return int(cur.fetchone()[0])


def swap_in(cur: pymysql.cursors.Cursor, staged: dict[str, str], load_id: int) -> None:
    """One multi-table RENAME: readers see all the old tables or all the new ones."""
    existing = _existing_tables(cur)
    renames = []
    for table, new in staged.items():
        if table in existing:
            renames.append(f"`{table}` TO `{table}__old_{load_id}`")
        renames.append(f"`{new}` TO `{table}`")
    cur.execute("RENAME TABLE " + ", ".join(renames))
    old = [f"`{t}__old_{load_id}`" for t in staged if t in existing]
    if old:
        cur.execute("DROP TABLE IF EXISTS " + ", ".join(old))


def drop_staged(cur: pymysql.cursors.Cursor, staged: dict[str, str]) -> None:
    if staged:
        cur.execute("DROP TABLE IF EXISTS " + ", ".join(f"`{t}`" for t in staged.values()))
