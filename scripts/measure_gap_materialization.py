"""Measure the alternative the gap views replace: every occupation pair materialized as a table.

Reads the published marts in `<MYSQL_DATABASE>` (run `make build` first), copies each gap view in
full into a scratch database `<MYSQL_DATABASE>_gapmat` with the primary key a pair query needs, and
prints, per gap model: rows, on-disk size, the time to build the table, and the p50/p99 of random
single-pair queries against the table and against the view. The scratch database is dropped at the
end. docs/gap-materialization.md records a run. Takes minutes: it writes tens of millions of rows.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from loader.config import Settings  # noqa: E402
from loader.db import connect  # noqa: E402

MODELS = ("skill_gap", "skill_gap_by_level")
KEY = "from_code, to_code, domain, element_id"
QUERIES = 1000
COLUMNS = "element_id, name, domain, from_level, to_level, difference, importance, suppressed, from_anchor, to_anchor"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pair_latencies(cur, relation: str, pairs: list[tuple[str, str, str]]) -> list[float]:
    """Milliseconds per query, the service's query shape, one connection."""
    latencies = []
    sql = f"select {COLUMNS} from {relation} where from_code = %s and to_code = %s and domain = %s"
    for pair in pairs:
        started = time.perf_counter()
        cur.execute(sql, pair)
        cur.fetchall()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def main() -> int:
    settings = Settings.from_env()
    served, scratch = f"`{settings.database}`", f"`{settings.database}_gapmat`"
    with connect(settings) as conn, conn.cursor() as cur:
        cur.execute(f"select distinct domain, onetsoc_code from {served}.fct_occupation_ratings")
        rated: dict[str, list[str]] = {}
        for domain, code in cur.fetchall():
            rated.setdefault(domain, []).append(code)
        rng = random.Random(7)
        domains = sorted(rated)
        pairs = [(*rng.sample(rated[d], 2), d) for d in (rng.choice(domains) for _ in range(QUERIES))]
        cur.execute(f"drop database if exists {scratch}")
        cur.execute(f"create database {scratch} character set utf8mb4 collate utf8mb4_unicode_ci")
        try:
            print(
                f"{'model':<20} {'rows':>12} {'MB':>9} {'build s':>9} {'table p50/p99 ms':>18} {'view p50/p99 ms':>18}"
            )
            for model in MODELS:
                started = time.perf_counter()
                cur.execute(f"create table {scratch}.{model} as select * from {served}.{model}")
                cur.execute(f"alter table {scratch}.{model} add primary key ({KEY})")
                build = time.perf_counter() - started
                cur.execute(f"analyze table {scratch}.{model}")
                cur.fetchall()
                cur.execute(f"select count(*) from {scratch}.{model}")
                (rows,) = cur.fetchone()
                cur.execute(
                    "select (data_length + index_length) / 1024 / 1024 from information_schema.tables"
                    " where table_schema = %s and table_name = %s",
                    (f"{settings.database}_gapmat", model),
                )
                (megabytes,) = cur.fetchone()
                table = pair_latencies(cur, f"{scratch}.{model}", pairs)
                view = pair_latencies(cur, f"{served}.{model}", pairs)
                print(
                    f"{model:<20} {rows:>12,} {megabytes:>9,.0f} {build:>9.1f}"
                    f" {statistics.median(table):>8.2f}/{percentile(table, 0.99):<9.2f}"
                    f" {statistics.median(view):>8.2f}/{percentile(view, 0.99):<9.2f}"
                )
        finally:
            cur.execute(f"drop database if exists {scratch}")
    print(f"server: {settings.host}, {QUERIES} random pairs per model and relation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
