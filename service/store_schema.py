"""The tables of the service's stores (`<db>_api`, `<db>_llm`) as data, and the DDL built from them.

Each store module declares its tables once, here as `Table`s, and creates them with `create_store`.
dbt reads the stores as sources: their sources YAML lists every column with its `data_type`, which
the `service_store_relation` macro reads to stand in for a store that does not exist yet, and
tests/unit/test_store_schemas.py fails, naming the table and column, where the YAML and these
declarations disagree. The declaration is Python, not the YAML read by the service, because the
service creates its stores without the dbt project, as the loader declares its landing tables in
loader/specs.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pymysql.cursors import Cursor

# The marts' collation: store text is joined with theirs.
CHARSET = "character set utf8mb4 collate utf8mb4_unicode_ci"


@dataclass(frozen=True)
class Column:
    """One column of a store table, with its SQL type as MariaDB and MySQL 8 both spell it."""

    name: str
    sql_type: str
    nullable: bool = False
    auto_increment: bool = False

    @property
    def definition(self) -> str:
        null = "null" if self.nullable else "not null"
        return f"`{self.name}` {self.sql_type} {null}" + (" auto_increment" if self.auto_increment else "")


@dataclass(frozen=True)
class Key:
    """A secondary index."""

    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """One store table: its columns in order, primary key and secondary indexes."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    keys: tuple[Key, ...] = ()

    def create_statement(self, database: str) -> str:
        """`create table if not exists` for this table in `database`."""
        parts = [column.definition for column in self.columns]
        parts.append(f"primary key ({_names(self.primary_key)})")
        parts.extend(f"key `{key.name}` ({_names(key.columns)})" for key in self.keys)
        body = ",\n    ".join(parts)
        return f"create table if not exists `{database}`.`{self.name}` (\n    {body}\n) {CHARSET}"


def create_store(cursor: Cursor, database: str, tables: Iterable[Table]) -> None:
    """Create `database` and its `tables` where they are missing (idempotent)."""
    cursor.execute(f"create database if not exists `{database}` {CHARSET}")
    for table in tables:
        cursor.execute(table.create_statement(database))


class CreatedOnce:
    """A store's database and tables, created where missing the first time `ensure` is called in
    the process."""

    def __init__(self, database: str, tables: Iterable[Table], cursor: Callable[[], ContextManager[Cursor]]):
        self._database, self._tables, self._cursor = database, tuple(tables), cursor
        self._ready = False
        self._lock = threading.Lock()

    def ensure(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            with self._cursor() as cur:
                create_store(cur, self._database, self._tables)
            self._ready = True


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(f"`{name}`" for name in columns)
