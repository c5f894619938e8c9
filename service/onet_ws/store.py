"""The O*NET Web Services landing tables, `<db>_api`: every fetch of an occupation (when, what was
asked, the O*NET database version the service reported), its raw answer pages, and the rating rows
parsed from them, which the dbt views read as they are (no rebuild needed).

A fetch is stored in one transaction: its record, its pages, and the occupation's new rating rows in
place of the earlier ones. A failed fetch is not stored, so the earlier rows stay served.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pymysql

from service.config import OnetApiConfig, ServiceConfig
from service.db import DatabaseUnavailable, create_pool, error_number, store_cursor
from service.onet_ws.client import OccupationFetch
from service.store_schema import Column, CreatedOnce, Key, Table

# Deadlock, lock wait timeout: two workers storing the same occupation at once; the store retries.
_RETRY_ERRORS = frozenset({1213, 1205})
_STORE_ATTEMPTS = 3

TABLES = (
    Table(
        "fetches",
        (
            Column("fetch_id", "bigint unsigned", auto_increment=True),
            Column("onetsoc_code", "char(10)"),
            Column("fetched_at", "datetime(3)"),
            Column("base_url", "varchar(255)"),
            Column("request", "longtext"),
            Column("onet_version", "varchar(20)", nullable=True),
            Column("skills_rows", "int unsigned"),
            Column("knowledge_rows", "int unsigned"),
        ),
        primary_key=("fetch_id",),
        keys=(Key("by_occupation", ("onetsoc_code", "fetched_at")),),
    ),
    Table(
        "responses",
        (
            Column("fetch_id", "bigint unsigned"),
            Column("page_number", "smallint unsigned"),
            Column("kind", "varchar(20)"),
            Column("request_url", "varchar(2000)"),
            Column("http_status", "smallint unsigned"),
            Column("attempts", "smallint unsigned"),
            Column("body", "longtext"),
        ),
        primary_key=("fetch_id", "page_number"),
    ),
    Table(
        "ratings",
        (
            Column("onetsoc_code", "char(10)"),
            Column("domain", "varchar(20)"),
            Column("element_id", "varchar(20)"),
            Column("scale_id", "varchar(3)"),
            Column("element_name", "varchar(150)", nullable=True),
            Column("data_value", "decimal(5, 2)"),
            Column("n", "int unsigned", nullable=True),
            Column("standard_error", "decimal(7, 4)", nullable=True),
            Column("lower_ci_bound", "decimal(7, 4)", nullable=True),
            Column("upper_ci_bound", "decimal(7, 4)", nullable=True),
            Column("recommend_suppress", "char(1)", nullable=True),
            Column("not_relevant", "char(1)", nullable=True),
            Column("date_updated", "date", nullable=True),
            Column("domain_source", "varchar(30)", nullable=True),
            Column("fetch_id", "bigint unsigned"),
        ),
        primary_key=("onetsoc_code", "domain", "element_id", "scale_id"),
    ),
)


@dataclass(frozen=True)
class FetchRecord:
    """The latest stored fetch of an occupation."""

    fetch_id: int
    onetsoc_code: str
    fetched_at: datetime  # UTC, aware
    onet_version: str | None
    skills_rows: int
    knowledge_rows: int

    def domains(self) -> list[str]:
        return [domain for domain, count in (("skills", self.skills_rows), ("knowledge", self.knowledge_rows)) if count]


class OnetApiStore:
    """`<db>_api` over its own small pool (service.db.create_pool), in autocommit mode except while
    a fetch is stored."""

    def __init__(self, config: ServiceConfig, api: OnetApiConfig | None = None, pool_size: int = 2):
        self.database = f"{config.database}_api"
        self.max_age_days = (api or OnetApiConfig()).max_age_days
        self.engine = create_pool(config, None, pool_size)
        self._created = CreatedOnce(self.database, TABLES, self._cursor)

    def _cursor(self):
        return store_cursor(self.engine, "the O*NET Web Services store", passed_on=_RETRY_ERRORS)

    def ensure(self) -> None:
        """Create the database and its tables if they are missing (once per process)."""
        self._created.ensure()

    def store(self, fetch: OccupationFetch) -> int:
        """Store one fetch atomically, replacing the occupation's earlier rating rows. Returns its
        fetch_id."""
        self.ensure()
        for attempt in range(1, _STORE_ATTEMPTS + 1):
            try:
                return self._store(fetch)
            except pymysql.err.OperationalError as exc:
                if error_number(exc) not in _RETRY_ERRORS or attempt == _STORE_ATTEMPTS:
                    raise DatabaseUnavailable(f"the O*NET Web Services store failed: {exc}") from None
        raise AssertionError("unreachable")

    def _store(self, fetch: OccupationFetch) -> int:
        counts = {domain: sum(1 for row in fetch.rows if row.domain == domain) for domain in ("skills", "knowledge")}
        request = {"onetsoc_code": fetch.onetsoc_code, "base_url": fetch.base_url, "requests": fetch.requests}
        db = f"`{self.database}`"
        with self._cursor() as cur:
            conn = cur.connection
            conn.begin()
            try:
                cur.execute(
                    f"insert into {db}.fetches (onetsoc_code, fetched_at, base_url, request, onet_version,"
                    " skills_rows, knowledge_rows) values (%s, %s, %s, %s, %s, %s, %s)",
                    (
                        fetch.onetsoc_code,
                        fetch.fetched_at,
                        fetch.base_url,
                        json.dumps(request, ensure_ascii=False),
                        fetch.onet_version,
                        counts["skills"],
                        counts["knowledge"],
                    ),
                )
                fetch_id = cur.lastrowid
                cur.executemany(
                    f"insert into {db}.responses (fetch_id, page_number, kind, request_url, http_status, attempts,"
                    " body) values (%s, %s, %s, %s, %s, %s, %s)",
                    [
                        (fetch_id, number, page.kind, page.url, page.status, page.attempts, _json(page.body))
                        for number, page in enumerate(fetch.pages, start=1)
                    ],
                )
                cur.execute(f"delete from {db}.ratings where onetsoc_code = %s", (fetch.onetsoc_code,))
                cur.executemany(
                    f"insert into {db}.ratings (onetsoc_code, domain, element_id, scale_id, element_name,"
                    " data_value, n, standard_error, lower_ci_bound, upper_ci_bound, recommend_suppress,"
                    " not_relevant, date_updated, domain_source, fetch_id)"
                    " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (
                            row.onetsoc_code,
                            row.domain,
                            row.element_id,
                            row.scale_id,
                            row.element_name,
                            row.data_value,
                            row.n,
                            row.standard_error,
                            row.lower_ci_bound,
                            row.upper_ci_bound,
                            row.recommend_suppress,
                            row.not_relevant,
                            row.date_updated,
                            row.domain_source,
                            fetch_id,
                        )
                        for row in fetch.rows
                    ],
                )
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        return fetch_id

    def last_fetch(self, code: str) -> FetchRecord | None:
        """The latest stored fetch of the occupation, or None (also when the store does not exist)."""
        try:
            with self._cursor() as cur:
                cur.execute(
                    f"select fetch_id, onetsoc_code, fetched_at, onet_version, skills_rows, knowledge_rows"
                    f" from `{self.database}`.fetches where onetsoc_code = %s"
                    " order by fetched_at desc, fetch_id desc limit 1",
                    (code,),
                )
                row = cur.fetchone()
        except pymysql.err.ProgrammingError as exc:
            if error_number(exc) in (1049, 1146):  # no such database / table: nothing fetched yet
                return None
            raise
        if row is None:
            return None
        return FetchRecord(**{**row, "fetched_at": row["fetched_at"].replace(tzinfo=UTC)})

    def is_fresh(self, record: FetchRecord | None, now: datetime | None = None) -> bool:
        """Whether a stored fetch may still be served without asking the API again
        (ONET_API_MAX_AGE_DAYS; 0 or less: a stored fetch never expires)."""
        if record is None:
            return False
        if self.max_age_days <= 0:
            return True
        now = now or datetime.now(UTC)
        return now - record.fetched_at < timedelta(days=self.max_age_days)


def _json(body) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
