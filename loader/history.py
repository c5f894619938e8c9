"""The load record: one `load_history` row per load, one `load_files` row per file."""

from __future__ import annotations

import pymysql

from .inspect import FileInfo
from .specs import SHARED

HISTORY_DDL = (
    """CREATE TABLE IF NOT EXISTS load_history (
        load_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        onet_release VARCHAR(10) NOT NULL,
        source VARCHAR(500) NOT NULL,
        status VARCHAR(12) NOT NULL,
        forced TINYINT(1) NOT NULL,
        started_at DATETIME(6) NOT NULL,
        finished_at DATETIME(6) NULL,
        message TEXT NULL
    ) ENGINE=InnoDB""",
    """CREATE TABLE IF NOT EXISTS load_files (
        load_id INT NOT NULL,
        file_name VARCHAR(100) NOT NULL,
        table_name VARCHAR(64) NOT NULL,
        present TINYINT(1) NOT NULL,
        sha256 CHAR(64) NULL,
        bytes BIGINT NOT NULL,
        row_count INT NOT NULL,
        data_checksum BIGINT NULL,
        PRIMARY KEY (load_id, file_name)
    ) ENGINE=InnoDB""",
)


def ensure_tables(cur: pymysql.cursors.Cursor) -> None:
    for ddl in HISTORY_DDL:
        cur.execute(ddl)


def reconcile_interrupted(cur: pymysql.cursors.Cursor) -> None:
    """Settle loads whose process died: swapped in means loaded, otherwise failed."""
    cur.execute("SELECT load_id FROM load_history WHERE status = 'running'")
    running = [r[0] for r in cur.fetchall()]
    if not running:
        return
    cur.execute(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = %s",
        (SHARED[0].table,),
    )
    served = None
    if cur.fetchone()[0]:
        cur.execute(f"SELECT MAX(`_load_id`) FROM `{SHARED[0].table}`")
        served = cur.fetchone()[0]
    for load_id in running:
        status, message = ("loaded", None) if load_id == served else ("failed", "interrupted before it finished")
        cur.execute(
            "UPDATE load_history SET status = %s, message = %s, finished_at = UTC_TIMESTAMP(6) WHERE load_id = %s",
            (status, message, load_id),
        )


def current_files(cur: pymysql.cursors.Cursor) -> tuple[str, dict[str, str | None]] | None:
    """(release, {file name: sha256}) of the load being served, or None."""
    cur.execute("SELECT load_id, onet_release FROM load_history WHERE status = 'loaded' ORDER BY load_id DESC LIMIT 1")
    row = cur.fetchone()
    if not row:
        return None
    cur.execute("SELECT file_name, sha256 FROM load_files WHERE load_id = %s", (row[0],))
    return row[1], dict(cur.fetchall())


def begin(cur: pymysql.cursors.Cursor, release: str, source: str, forced: bool) -> int:
    cur.execute(
        "INSERT INTO load_history (onet_release, source, status, forced, started_at) "
        "VALUES (%s, %s, 'running', %s, UTC_TIMESTAMP(6))",
        (release, source[:500], int(forced)),
    )
    return cur.lastrowid


def record_files(cur: pymysql.cursors.Cursor, load_id: int, infos: list[FileInfo], checksums: dict[str, int]) -> None:
    cur.executemany(
        "INSERT INTO load_files (load_id, file_name, table_name, present, sha256, bytes, row_count, data_checksum) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [
            (
                load_id,
                i.spec.file_name,
                i.spec.table,
                int(i.present),
                i.sha256,
                i.size,
                i.rows,
                checksums.get(i.spec.file_name),
            )
            for i in infos
        ],
    )


def finish(cur: pymysql.cursors.Cursor, load_id: int, status: str, message: str | None = None) -> None:
    cur.execute(
        "UPDATE load_history SET status = %s, message = %s, finished_at = UTC_TIMESTAMP(6) WHERE load_id = %s",
        (status, message, load_id),
    )
