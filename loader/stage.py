"""Stage each file into a new landing table with LOAD DATA; any warning stops the load."""

from __future__ import annotations

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
    "`_line` INT NOT NULL AUTO_INCREMENT PRIMARY KEY COMMENT 'line of the source file'",
    "`_onet_release` VARCHAR(10) NOT NULL",
    "`_load_id` INT NOT NULL",
)
ROW_IN_WARNING = re.compile(r"\brow (\d+)", re.IGNORECASE)
COLUMN_IN_WARNING = re.compile(r"column [`']?(?:[^`']*`\.`)*([a-z_]+)[`']", re.IGNORECASE)


def staged_name(table: str, load_id: int) -> str:
    return f"{table}__new_{load_id}"


def create_table_sql(spec: FileSpec, name: str) -> str:
    columns = [f"`{c.name}` {c.sql_type} {'NULL' if c.nullable else 'NOT NULL'}" for c in spec.columns]
    if spec.table in REFERENCED_TABLES:
        columns.append(f"KEY lookup ({', '.join(f'`{k}`' for k in spec.key)})")
    # AUTO_INCREMENT=2: the header is line 1, so `_line` is the file's line number.
    return (
        f"CREATE TABLE `{name}` ({', '.join([LINEAGE_COLUMNS[0], *columns, *LINEAGE_COLUMNS[1:]])}) "
        "ENGINE=InnoDB AUTO_INCREMENT=2 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
    )


def load_data_sql(info: FileInfo, name: str) -> str:
    spec = info.spec
    variables = ", ".join(f"@c{i}" for i in range(len(spec.columns)))
    # `n/a` and blank fields are NULL, never 0 or ''.
    assignments = ", ".join(f"`{c.name}` = NULLIF(NULLIF(@c{i}, 'n/a'), '')" for i, c in enumerate(spec.columns))
    terminator = "\\r\\n" if info.line_terminator == "\r\n" else "\\n"
    return (
        f"LOAD DATA LOCAL INFILE %s INTO TABLE `{name}` CHARACTER SET utf8mb4 "
        f"FIELDS TERMINATED BY '\\t' ESCAPED BY '' LINES TERMINATED BY '{terminator}' IGNORE 1 LINES "
        f"({variables}) SET {assignments}, `_onet_release` = %s, `_load_id` = %s"
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


def stage_file(conn: pymysql.connections.Connection, info: FileInfo, name: str, release: str, load_id: int) -> None:
    """Create the new table `name` and load the file into it."""
    with conn.cursor() as cur:
        cur.execute(create_table_sql(info.spec, name))
        if not info.present:
            return
        cur.execute(load_data_sql(info, name), (str(info.path), release, load_id))
        cur.execute("SHOW WARNINGS")
        warnings = cur.fetchall()
        if warnings:
            raise _warning_error(info, list(warnings))
        cur.execute(f"SELECT COUNT(*) FROM `{name}`")
        (count,) = cur.fetchone()
    if count != info.rows:
        raise LoadError(f"{info.rows} data lines in the file but {count} rows staged", info.spec.file_name)


def stage_all(
    settings: Settings,
    infos: list[FileInfo],
    names: dict[str, str],
    release: str,
    load_id: int,
    on_staged: Callable[[FileInfo, float], None] = lambda info, seconds: None,
) -> None:
    """Stage every file over `settings.load_workers` connections, each taking an equal share of the bytes.

    Every file is tried; the error reported is that of the first failing file in release order.
    """
    lanes: list[list[FileInfo]] = [[] for _ in range(settings.load_workers)]
    lane_bytes = [0] * len(lanes)
    for info in sorted(infos, key=lambda i: -i.size):
        lane = lane_bytes.index(min(lane_bytes))
        lanes[lane].append(info)
        lane_bytes[lane] += info.size
    errors: dict[str, BaseException] = {}

    def run_lane(lane: list[FileInfo]) -> None:
        # One connection per lane: a connection costs as much as staging a small file.
        with connect(settings, settings.raw_database) as conn:
            for info in lane:
                started = time.perf_counter()
                try:
                    stage_file(conn, info, names[info.spec.table], release, load_id)
                except (LoadError, pymysql.MySQLError) as exc:
                    errors[info.spec.file_name] = exc
                    continue
                on_staged(info, time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        list(pool.map(run_lane, [lane for lane in lanes if lane]))
    for info in infos:
        if info.spec.file_name in errors:
            raise errors[info.spec.file_name]
