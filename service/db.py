"""The marts the service reads, as named queries over a pool of pymysql connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Any

import pymysql
import sqlalchemy
from pymysql.cursors import DictCursor

from service import gap_rule
from service.config import ServiceConfig

MARTS = (
    "dim_occupations",
    "dim_alternate_titles",
    "dim_elements",
    "dim_domains",
    "fct_occupation_ratings",
    "skill_gap",
    "skill_gap_by_level",
    "release_info",
    "related_occupations",
    "fct_occupation_technology",
    "dim_level_anchors",
)
GAP_MODELS = ("skill_gap", "skill_gap_by_level")
DOMAINS = ("skills", "knowledge", "abilities", "work_activities")

# MySQL error numbers: the database or a table is missing (the marts are not published) ...
_NOT_PUBLISHED = {1049, 1146}
# ... or the server cannot be reached, refused us, or dropped the connection.
_UNREACHABLE = {1040, 1045, 1053, 1129, 1130, 1152, 1158, 1159, 1160, 1161, 2002, 2003, 2005, 2006, 2013, 2055}

Row = dict[str, Any]
# What the gap index holds of a rating (serving/gap_index.py).
_GAP_RATING_COLUMNS = (
    "onetsoc_code, domain, element_id, element_name as name, importance, effective_level, recommend_suppress,"
    " level_anchor"
)


def create_pool(config: ServiceConfig, database: str | None, pool_size: int) -> sqlalchemy.Engine:
    """A pymysql pool with pre-ping and short timeouts, in autocommit mode."""
    url = sqlalchemy.URL.create(
        "mysql+pymysql",
        username=config.user,
        password=config.password,
        host=config.host,
        port=config.port,
        database=database,
    )
    return sqlalchemy.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=config.pool_size,
        pool_timeout=config.connect_timeout,
        pool_pre_ping=True,
        pool_recycle=3600,
        # Every statement commits by itself, so a returned connection holds no transaction (and no
        # stale snapshot of a release) and needs no ROLLBACK round trip.
        pool_reset_on_return=None,
        connect_args={
            "connect_timeout": config.connect_timeout,
            "read_timeout": config.read_timeout,
            "write_timeout": config.read_timeout,
            "autocommit": True,
            "charset": "utf8mb4",
        },
    )


class DatabaseUnavailable(Exception):
    """The database server cannot be reached."""


class MartsUnavailable(Exception):
    """The server answers, but the marts are not published in the service's database."""


def error_number(exc: BaseException) -> int | None:
    """The MySQL error number of a pymysql error, if it has one."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], int) else None


def _translate(exc: BaseException) -> Exception:
    number = error_number(exc)
    if number in _NOT_PUBLISHED:
        return MartsUnavailable(str(exc))
    if number in _UNREACHABLE or isinstance(exc, pymysql.err.InterfaceError | OSError):
        return DatabaseUnavailable(str(exc))
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


@contextmanager
def store_cursor(
    engine: sqlalchemy.Engine, store: str, passed_on: frozenset[int] = frozenset()
) -> Iterator[DictCursor]:
    """A cursor on a pooled connection of one of the service's stores. A connection that cannot be
    had, or that fails, is DatabaseUnavailable naming `store` (the connection is dropped from the
    pool); errors numbered in `passed_on` are raised as they are, for the caller to retry."""
    try:
        conn = engine.raw_connection()
    except (sqlalchemy.exc.DBAPIError, sqlalchemy.exc.TimeoutError, pymysql.err.Error) as exc:
        raise DatabaseUnavailable(f"{store} cannot be reached: {exc}") from None
    try:
        with conn.cursor(DictCursor) as cur:
            yield cur
    except (pymysql.err.OperationalError, pymysql.err.InterfaceError, OSError) as exc:
        if error_number(exc) in passed_on:
            raise
        conn.invalidate()
        raise DatabaseUnavailable(f"{store} failed: {exc}") from None
    finally:
        conn.close()


def _contains(word: str) -> str:
    """A LIKE pattern matching `word` anywhere, with LIKE's wildcards in it taken literally."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Database:
    """One pool per process; every query is a named method with bound parameters."""

    def __init__(self, config: ServiceConfig):
        self.name = config.database
        self.engine = create_pool(config, config.database, config.pool_size)

    def _fetch(self, sql: str, args: tuple = ()) -> list[Row]:
        try:
            conn = self.engine.raw_connection()
        except sqlalchemy.exc.DBAPIError as exc:  # the pre-ping's reconnect failed
            raise _translate(exc.orig) from None
        except pymysql.err.Error as exc:  # a first connection failed
            raise _translate(exc) from None
        except sqlalchemy.exc.TimeoutError:
            raise DatabaseUnavailable("no pooled connection became free in time") from None
        try:
            with conn.cursor(DictCursor) as cur:
                cur.execute(sql, args)
                return list(cur.fetchall())
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError, OSError) as exc:
            conn.invalidate()
            raise _translate(exc) from None
        except pymysql.err.ProgrammingError as exc:
            raise _translate(exc) from None
        finally:
            conn.close()

    def missing_marts(self) -> list[str]:
        """The marts absent from the database (all of them when the database does not exist)."""
        rows = self._fetch(
            "select table_name as name from information_schema.tables where table_schema = %s", (self.name,)
        )
        present = {row["name"] for row in rows}
        return [name for name in MARTS if name not in present]

    def release_info(self) -> Row | None:
        rows = self._fetch("select onet_release, load_id, loaded_at, built_at from release_info")
        if not rows:
            return None
        row = rows[0]
        for key in ("loaded_at", "built_at"):
            if row[key] is not None:
                row[key] = row[key].replace(tzinfo=UTC)
        return row

    def domains(self) -> list[Row]:
        return self._fetch(
            "select domain, name, element_count, rated_occupation_count from dim_domains"
            " order by field(domain, 'skills', 'knowledge', 'abilities', 'work_activities')"
        )

    def occupation_index(self) -> list[Row]:
        """Code, title and rated domains of every occupation: small, and read once per release."""
        return self._fetch(
            "select onetsoc_code, title, has_skills, has_knowledge, has_abilities, has_work_activities"
            " from dim_occupations"
        )

    def search_occupations(self, code_prefix: str | None, words: list[str]) -> list[Row]:
        """Occupations whose code starts with `code_prefix` and where every word is in the title
        or an alternate title; those with every word in the title first."""
        conditions, args = [], []
        if code_prefix:
            conditions.append("o.onetsoc_code like %s")
            args.append(code_prefix + "%")
        for word in words:
            conditions.append(
                "(o.title like %s or exists (select 1 from dim_alternate_titles a"
                " where a.onetsoc_code = o.onetsoc_code and (a.alternate_title like %s or a.short_title like %s)))"
            )
            args += [_contains(word)] * 3
        rank = " and ".join(["o.title like %s"] * len(words)) or "1 = 1"
        args += [_contains(word) for word in words]
        return self._fetch(
            "select o.onetsoc_code, o.title, o.major_group_code, o.major_group_name, o.job_zone"
            f" from dim_occupations o where {' and '.join(conditions) or '1 = 1'}"
            f" order by ({rank}) desc, o.onetsoc_code",
            tuple(args),
        )

    def occupation(self, code: str) -> Row | None:
        rows = self._fetch(
            "select onetsoc_code, title, description, major_group_code, major_group_name, job_zone,"
            " has_skills, has_knowledge, has_abilities, has_work_activities"
            " from dim_occupations where onetsoc_code = %s",
            (code,),
        )
        return rows[0] if rows else None

    def ratings(self, code: str) -> list[Row]:
        return self._fetch(
            "select r.domain, r.element_id, e.name, e.category, r.importance, r.importance_n, r.importance_se,"
            " r.level, r.level_n, r.level_se, r.effective_level, r.not_relevant, r.recommend_suppress"
            " from fct_occupation_ratings r"
            " join dim_elements e on e.element_id = r.element_id and e.domain = r.domain"
            " where r.onetsoc_code = %s order by r.domain, r.element_id",
            (code,),
        )

    def elements(self, domain: str) -> list[Row]:
        return self._fetch(
            "select element_id, name, description, domain, category from dim_elements"
            " where domain = %s order by element_id",
            (domain,),
        )

    def rated_elements(self) -> list[Row]:
        """Every element the release rates, with its domain: small, and read once per release."""
        return self._fetch("select element_id, name, description, domain, category from dim_elements")

    def level_anchors(self) -> list[Row]:
        """Every element's level (LV) anchors."""
        return self._fetch("select element_id, anchor_value, anchor_description from dim_level_anchors")

    def gaps(
        self,
        model: str,
        from_code: str,
        to_code: str,
        domain: str,
        min_importance: float | None,
        exclude_suppressed: bool,
    ) -> list[Row]:
        """One pair's rows of a gap model, in the gaps' order (gap_rule.in_order).

        Sorted here rather than by the server: a few dozen rows, and the server would build a
        temporary table for them on every request."""
        if model not in GAP_MODELS:
            raise ValueError(f"not a gap model: {model}")
        sql = (
            "select element_id, name, domain, from_level, to_level, difference, importance, suppressed,"
            f" from_anchor, to_anchor from {model} where from_code = %s and to_code = %s and domain = %s"
        )
        args: list[Any] = [from_code, to_code, domain]
        if min_importance is not None:
            sql += " and importance >= %s"
            args.append(min_importance)
        if exclude_suppressed:
            sql += " and suppressed = 0"
        return gap_rule.in_order(self._fetch(sql, tuple(args)))

    def ranking_occupations(self) -> list[Row]:
        """Every occupation with what the transition ranking and its filters read."""
        return self._fetch(
            "select onetsoc_code, title, description, major_group_code, major_group_name, job_zone"
            " from dim_occupations order by onetsoc_code"
        )

    def occupation_ratings(self) -> list[Row]:
        """What the gap models and the transition ranking read of every rating."""
        return self._fetch(f"select {_GAP_RATING_COLUMNS} from fct_occupation_ratings")

    def combined_ratings(self, code: str, domain: str) -> list[Row]:
        """`occupation_ratings`' columns for one occupation and domain from the combined ratings: the
        release's, or those fetched from O*NET Web Services (read live from the store)."""
        return self._fetch(
            f"select {_GAP_RATING_COLUMNS} from fct_occupation_ratings_combined"
            " where onetsoc_code = %s and domain = %s",
            (code, domain),
        )

    def alternate_titles(self) -> list[Row]:
        return self._fetch("select onetsoc_code, alternate_title from dim_alternate_titles")

    def occupation_technology(self) -> list[Row]:
        """Every occupation's software examples (none when the release has no technology file)."""
        return self._fetch(
            "select onetsoc_code, category_id, category_name, example, is_hot_technology, is_in_demand"
            " from fct_occupation_technology"
        )

    def related_occupations(self, code: str) -> list[Row]:
        """O*NET's own Related Occupations of one occupation, most related first."""
        return self._fetch(
            "select related_onetsoc_code, relatedness_tier, related_index from related_occupations"
            " where onetsoc_code = %s order by related_index",
            (code,),
        )
