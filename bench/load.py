"""Benchmark the loader on the full shared release against a bare LOAD DATA floor and pandas.

Prints, from one run: the whole `python -m loader load` command (wall time, rows/s, peak RSS), its load
phase (inspect + LOAD DATA, no validation) beside the floor (bare LOAD DATA into plain typed tables, no
secondary indexes) and the common way (pandas read_csv + to_sql(method="multi", chunksize=10000)).
Exits non-zero when a target is missed.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from loader.config import Settings  # noqa: E402
from loader.db import connect, ensure_database, sqlalchemy_url  # noqa: E402
from loader.inspect import inspect_file  # noqa: E402
from loader.specs import SPECS  # noqa: E402
from loader.stage import stage_all  # noqa: E402

RELEASE = Path(os.environ.get("ONET_TEST_RELEASE", REPO.parent / "shared" / "onet" / "db_29_3_text"))
TARGET_WALL_S = 10.0
TARGET_VS_PANDAS = 10.0
TARGET_VS_FLOOR = 1.5
TARGET_RSS_MB = 400.0
PHASE_REPEATS = 3


def _settings(suffix: str) -> Settings:
    return Settings.from_env({**os.environ, "MYSQL_DATABASE": f"onet_bench_{os.getpid()}_{suffix}"})


def _drop(settings: Settings) -> None:
    with connect(settings) as conn, conn.cursor() as cur:
        for name in (settings.database, settings.raw_database):
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


def whole_command(settings: Settings) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of the real command, validation included."""
    env = {**os.environ, "MYSQL_DATABASE": settings.database, "GX_ANALYTICS_ENABLED": "false"}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "loader", "load", str(RELEASE), "--quiet"], cwd=REPO, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("the loader failed; see its error above")
    return wall, usage.ru_maxrss / 1024


def load_phase(settings: Settings) -> float:
    """The loader's own inspect + stage steps over every file, without validation."""
    names = {spec.table: f"phase_{spec.table}" for spec in SPECS}
    started = time.perf_counter()
    infos = [inspect_file(spec, RELEASE) for spec in SPECS]
    stage_all(settings, infos, names, "29.3", 1)
    elapsed = time.perf_counter() - started
    with connect(settings, settings.raw_database) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE " + ", ".join(names.values()))
    return elapsed


def _plain_table_sql(spec, name: str) -> str:
    columns = ", ".join(f"`{c.name}` {c.sql_type} NULL" for c in spec.columns)
    return f"CREATE TABLE `{name}` ({columns}) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"


def floor(settings: Settings) -> float:
    """Bare LOAD DATA, one file after another, into plain typed tables: no lineage, no NULL mapping, no checks."""
    present = [s for s in SPECS if (RELEASE / s.file_name).exists()]
    with connect(settings) as conn, conn.cursor() as cur:
        conn.select_db(settings.raw_database)
        for n, spec in enumerate(present):
            cur.execute(_plain_table_sql(spec, f"floor_{n}"))
        started = time.perf_counter()
        for n, spec in enumerate(present):
            cur.execute(
                f"LOAD DATA LOCAL INFILE %s INTO TABLE floor_{n} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' "
                "ESCAPED BY '' LINES TERMINATED BY '\\r\\n' IGNORE 1 LINES",
                (str(RELEASE / spec.file_name),),
            )
        elapsed = time.perf_counter() - started
        cur.execute("DROP TABLE " + ", ".join(f"floor_{n}" for n in range(len(present))))
    return elapsed


def pandas_way(settings: Settings) -> float:
    import pandas as pd
    from sqlalchemy import create_engine

    present = [s for s in SPECS if (RELEASE / s.file_name).exists()]
    engine = create_engine(sqlalchemy_url(settings, settings.raw_database))
    with connect(settings) as conn, conn.cursor() as cur:
        conn.select_db(settings.raw_database)
        for n, spec in enumerate(present):
            cur.execute(_plain_table_sql(spec, f"pandas_{n}"))
    started = time.perf_counter()
    for n, spec in enumerate(present):
        frame = pd.read_csv(
            RELEASE / spec.file_name,
            sep="\t",
            quoting=csv.QUOTE_NONE,
            na_values=["n/a"],
            keep_default_na=False,
            dtype={c.header: str for c in spec.columns if c.kind == "text"},
        )
        frame.columns = [c.name for c in spec.columns]
        frame.to_sql(f"pandas_{n}", engine, if_exists="append", index=False, method="multi", chunksize=10000)
    elapsed = time.perf_counter() - started
    with connect(settings) as conn, conn.cursor() as cur:
        conn.select_db(settings.raw_database)
        cur.execute("DROP TABLE " + ", ".join(f"pandas_{n}" for n in range(len(present))))
    engine.dispose()
    return elapsed


def main() -> int:
    rows = sum(inspect_file(spec, RELEASE).rows for spec in SPECS)
    command_settings, phase_settings = _settings("cmd"), _settings("phase")
    try:
        wall, rss = whole_command(command_settings)
        ensure = connect(phase_settings)
        ensure_database(ensure, phase_settings.raw_database)
        ensure.close()
        # Alternate the measured load and its floor, best of a few runs each: the machine is noisy.
        phase, bare = [], []
        for _ in range(PHASE_REPEATS):
            phase.append(load_phase(phase_settings))
            bare.append(floor(phase_settings))
        phase_s, floor_s = min(phase), min(bare)
        pandas_s = pandas_way(phase_settings)
    finally:
        _drop(command_settings)
        _drop(phase_settings)

    checks = [
        ("whole command (with validation)", f"{wall:.2f} s", f"< {TARGET_WALL_S:.0f} s", wall < TARGET_WALL_S),
        ("peak RSS of the command", f"{rss:.0f} MB", f"< {TARGET_RSS_MB:.0f} MB", rss < TARGET_RSS_MB),
        (
            "load phase vs pandas",
            f"{pandas_s / phase_s:.1f}x faster",
            f">= {TARGET_VS_PANDAS:.0f}x",
            pandas_s / phase_s >= TARGET_VS_PANDAS,
        ),
        (
            "load phase vs bare LOAD DATA floor",
            f"{phase_s / floor_s:.2f}x the floor",
            f"<= {TARGET_VS_FLOOR}x",
            phase_s / floor_s <= TARGET_VS_FLOOR,
        ),
    ]
    print(f"O*NET release: {RELEASE} ({rows:,} rows in {len(SPECS)} known files)")
    print(f"{'measure':<36}{'seconds':>10}{'rows/s':>12}")
    for name, seconds in (
        ("whole command", wall),
        ("load phase (inspect + LOAD DATA)", phase_s),
        ("floor: bare LOAD DATA", floor_s),
        ("pandas read_csv + to_sql(multi)", pandas_s),
    ):
        print(f"{name:<36}{seconds:>10.2f}{rows / seconds:>12,.0f}")
    workers = phase_settings.load_workers
    print(f"(the load phase stages over {workers} connections, as the loader does; the floor uses one)")
    print()
    failed = False
    for name, value, target, ok in checks:
        print(f"{'ok  ' if ok else 'MISS'} {name:<36}{value:>16}   target {target}")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
