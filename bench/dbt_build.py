"""Benchmark the dbt project on the full shared release: `dbt build` against `dbt parse`, and pair queries.

Loads the release into private databases, then prints, from one run: the wall time of `dbt parse`
(dbt's own floor: start-up and parsing, no SQL), of a first `dbt build` into empty databases and of
a second one over published marts (what a new release costs), and the latency of 1,000 random
single-pair queries on each gap view (the service's query shape) beside a one-row primary-key lookup
on the same connection. Exits non-zero when a target is missed.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from loader.config import Settings  # noqa: E402
from loader.db import connect  # noqa: E402
from loader.pipeline import run as load  # noqa: E402

RELEASE = Path(os.environ.get("ONET_TEST_RELEASE", REPO.parent / "shared" / "onet" / "db_29_3_text"))
TARGET_BUILD_S = 25.0
TARGET_PAIR_P99_MS = 5.0
QUERIES = 1000
GAP_SQL = (
    "select element_id, name, domain, from_level, to_level, difference, importance, suppressed, from_anchor,"
    " to_anchor from {model} where from_code = %s and to_code = %s and domain = %s"
)
FLOOR_SQL = "select title from dim_occupations where onetsoc_code = %s"


def dbt(settings: Settings, out: Path, *args: str) -> float:
    """Wall seconds of one dbt command at the repository root; exits when it fails."""
    env = {**os.environ, "MYSQL_DATABASE": settings.database, "DO_NOT_TRACK": "1"}
    command = [str(Path(sys.executable).with_name("dbt")), *args, "--target-path", str(out / "target")]
    command += ["--log-path", str(out / "logs")]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"`dbt {' '.join(args)}` failed:\n{result.stdout[-3000:]}")
    return wall


def latencies(cur, sql: str, params: list[tuple]) -> list[float]:
    measured = []
    for args in params:
        started = time.perf_counter()
        cur.execute(sql, args)
        cur.fetchall()
        measured.append((time.perf_counter() - started) * 1000)
    return measured


def p99(values: list[float]) -> float:
    return sorted(values)[round(0.99 * (len(values) - 1))]


def main() -> int:
    settings = Settings.from_env({**os.environ, "MYSQL_DATABASE": f"onet_bench_{os.getpid()}_dbt"})
    misses = []
    try:
        load(str(RELEASE), quiet=True, settings=settings)
        with tempfile.TemporaryDirectory() as tmp:
            parse = dbt(settings, Path(tmp) / "parse", "parse", "--no-partial-parse")
            first = dbt(settings, Path(tmp) / "first", "build")
            again = dbt(settings, Path(tmp) / "again", "build")
        print(f"dbt parse (floor)              {parse:6.1f} s")
        for name, wall in (("dbt build, empty databases", first), ("dbt build, over published", again)):
            print(f"{name:<30} {wall:6.1f} s   ({wall / parse:.1f}x parse; target < {TARGET_BUILD_S:.0f} s)")
            if wall >= TARGET_BUILD_S:
                misses.append(f"{name}: {wall:.1f} s")

        with connect(settings, settings.database) as conn, conn.cursor() as cur:
            cur.execute("select distinct domain, onetsoc_code from fct_occupation_ratings")
            rated: dict[str, list[str]] = {}
            for domain, code in cur.fetchall():
                rated.setdefault(domain, []).append(code)
            rng = random.Random(4)
            pairs = [(*rng.sample(rated[d], 2), d) for d in (rng.choice(sorted(rated)) for _ in range(QUERIES))]
            floor = latencies(cur, FLOOR_SQL, [(source,) for source, _, _ in pairs])
            print(
                f"{'primary-key lookup (floor)':<30} p50 {statistics.median(floor):5.2f} ms   p99 {p99(floor):5.2f} ms"
            )
            for model in ("skill_gap", "skill_gap_by_level"):
                gap = latencies(cur, GAP_SQL.format(model=model), pairs)
                print(
                    f"{model + ' pair':<30} p50 {statistics.median(gap):5.2f} ms   p99 {p99(gap):5.2f} ms"
                    f"   (target p99 < {TARGET_PAIR_P99_MS:.0f} ms)"
                )
                if p99(gap) >= TARGET_PAIR_P99_MS:
                    misses.append(f"{model} pair p99: {p99(gap):.2f} ms")
    finally:
        with connect(settings) as conn, conn.cursor() as cur:
            cur.execute("show databases")
            for (name,) in cur.fetchall():
                if name == settings.database or name.startswith(settings.database + "_"):
                    cur.execute(f"drop database `{name}`")
    if misses:
        print("MISSED: " + "; ".join(misses))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
