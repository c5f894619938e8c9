"""Stage each file into a new landing table with LOAD DATA; any warning stops the load."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pymysql

from .config import Settings
from .db import connect
from .errors import LoadError
from .inspect import FileInfo
from .locate import locate_bad_field
from .specs import REFERENCED_TABLES, FileSpec

LINEAGE_COLUMNS = (
    "`_line` INT NOT NULL AUTO_INCREMENT COMMENT 'line of the source file'",
    "`_source_file` VARCHAR(64) NOT NULL COMMENT 'the O*NET file the row came from'",
    "`_onet_release` VARCHAR(10) NOT NULL",
    "`_load_id` INT NOT NULL",
)
ROW_IN_WARNING = re.compile(r"\brow (\d+)", re.IGNORECASE)
COLUMN_IN_WARNING = re.compile(r"column [`']?(?:[^`']*`\.`)*([a-z_]+)[`']", re.IGNORECASE)


def staged_name(table: str, load_id: int) -> str:
    return f"{table}__new_{load_id}"


def create_table_sql(spec: FileSpec, name: str) -> str:
    columns = [f"`{c.name}` {c.sql_type} {'NULL' if c.nullable else 'NOT NULL'}" for c in spec.columns]
    columns += [f"`{name}` VARCHAR(20) NOT NULL" for name, _value in spec.constants]
    # A table can take several files (Essential and Transferable Skills): a line is a line of its file.
    keys = ["PRIMARY KEY (`_line`, `_source_file`)"]
    if spec.table in REFERENCED_TABLES:
        keys.append(f"KEY lookup ({', '.join(f'`{k}`' for k in spec.key)})")
    line, source_file, *load = LINEAGE_COLUMNS
    # AUTO_INCREMENT=2: the header is line 1, so `_line` is the file's line number.
    return (
        f"CREATE TABLE `{name}` ({', '.join([line, source_file, *columns, *load, *keys])}) "
        "ENGINE=InnoDB AUTO_INCREMENT=2 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
    )


def load_data_sql(info: FileInfo, name: str) -> str:
    spec = info.spec
    variables = ", ".join(f"@c{i}" for i in range(len(spec.columns)))
    # `n/a` and blank fields are NULL, never 0 or ''.
    assignments = ", ".join(
        [f"`{c.name}` = NULLIF(NULLIF(@c{i}, 'n/a'), '')" for i, c in enumerate(spec.columns)]
        + [f"`{name}` = %s" for name, _value in spec.constants]
    )
    terminator = "\\r\\n" if info.line_terminator == "\r\n" else "\\n"
    return (
        f"LOAD DATA LOCAL INFILE %s INTO TABLE `{name}` CHARACTER SET utf8mb4 "
        f"FIELDS TERMINATED BY '\\t' ESCAPED BY '' LINES TERMINATED BY '{terminator}' IGNORE 1 LINES "
        f"({variables}) SET {assignments}, `_source_file` = %s, `_onet_release` = %s, `_load_id` = %s"
    )


def _warning_error(info: FileInfo, warnings: list[tuple]) -> LoadError:
    """The clearest error for LOAD DATA's warnings: find the field in the file, else quote the server."""
    located = locate_bad_field(info)
    if located:
        return located
    _level, code, message = warnings[0]
    row = ROW_IN_WARNING.search(message)
    column = COLUMN_IN_WARNING.search(message)
    header = next((c.header for c in info.spec.columns if column and c.name == column.group(1)), None)
    return LoadError(
        f"the database rejected a value ({code}: {message})",
        info.spec.file_name,
        int(row.group(1)) + 1 if row else None,
        header,
    )


def _load_file(cur, info: FileInfo, name: str, release: str, load_id: int, after_another: bool) -> None:
    """LOAD DATA one file into `name`; a file loaded after another is renumbered from line 2 like its lines."""
    file_name = info.spec.file_name
    constants = [value for _name, value in info.spec.constants]
    cur.execute(load_data_sql(info, name), (str(info.path), *constants, file_name, release, load_id))
    loaded = cur.rowcount
    cur.execute("SHOW WARNINGS")
    warnings = cur.fetchall()
    if warnings:
        raise _warning_error(info, list(warnings))
    if loaded != info.rows:
        raise LoadError(f"{info.rows} data lines in the file but {loaded} rows staged", file_name)
    if after_another:
        # Its rows were numbered after the first file's, and a bulk insert may have left a gap.
        cur.execute(f"SELECT MIN(`_line`) FROM `{name}` WHERE `_source_file` = %s", (file_name,))
        (first,) = cur.fetchone()
        cur.execute(
            f"UPDATE `{name}` SET `_line` = `_line` - %s WHERE `_source_file` = %s ORDER BY `_line`",
            (first - 2, file_name),
        )


def stage_table(
    conn: pymysql.connections.Connection, infos: list[FileInfo], name: str, release: str, load_id: int
) -> None:
    """Create the new table `name` and load into it each present file that lands there, largest first."""
    with conn.cursor() as cur:
        cur.execute(create_table_sql(infos[0].spec, name))
        present = sorted((i for i in infos if i.present), key=lambda i: -i.size)
        for n, info in enumerate(present):
            _load_file(cur, info, name, release, load_id, after_another=n > 0)


def add_natural_key(cur, spec: FileSpec, table: str) -> None:
    """The natural key as a unique index, before the checks; none when the key repeats.

    With the index, the server knows the key is unique and the duplicate-key check costs nothing;
    without it, that check names the repeated lines.
    """
    drop_lookup = ", DROP KEY lookup" if spec.table in REFERENCED_TABLES else ""
    with contextlib.suppress(pymysql.err.IntegrityError):
        cur.execute(
            f"ALTER TABLE `{table}` ADD UNIQUE KEY natural_key ({', '.join(f'`{k}`' for k in spec.key)}){drop_lookup}"
        )


def stage_all(
    settings: Settings,
    infos: list[FileInfo],
    names: dict[str, str],
    release: str,
    load_id: int,
    on_staged: Callable[[list[FileInfo], float], None] = lambda infos, seconds: None,
) -> None:
    """Stage every table over `settings.load_workers` connections, each taking an equal share of the bytes.

    Every table is tried; the error reported is that of the first failing file in release order.
    """
    tables: dict[str, list[FileInfo]] = {}
    for info in infos:
        tables.setdefault(info.spec.table, []).append(info)
    lanes: list[list[list[FileInfo]]] = [[] for _ in range(settings.load_workers)]
    lane_bytes = [0] * len(lanes)
    for table in sorted(tables.values(), key=lambda t: -sum(i.size for i in t)):
        lane = lane_bytes.index(min(lane_bytes))
        lanes[lane].append(table)
        lane_bytes[lane] += sum(i.size for i in table)
    errors: dict[str, BaseException] = {}

    def run_lane(lane: list[list[FileInfo]]) -> None:
        # One connection per lane: a connection costs as much as staging a small file.
        with connect(settings, settings.raw_database) as conn:
            for table in lane:
                started = time.perf_counter()
                try:
                    stage_table(conn, table, names[table[0].spec.table], release, load_id)
                except LoadError as exc:
                    errors[exc.file or table[0].spec.file_name] = exc
                    continue
                except pymysql.MySQLError as exc:
                    errors[table[0].spec.file_name] = exc
                    continue
                on_staged(table, time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        list(pool.map(run_lane, [lane for lane in lanes if lane]))
    for info in infos:
        if info.spec.file_name in errors:
            raise errors[info.spec.file_name]
