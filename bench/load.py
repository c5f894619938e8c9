"""Benchmark the loader on two full-size releases: the shared 29.3 and a generated 31.0-layout one.

The releases: the shared O*NET 29.3 release (10 files, "up to 30.2" layout) and a release in the 31.0 layout
at 31.0's row counts (13 files, 371,296 rows; 29.3's data grown and reshaped, written to a temporary
`db_31_0_text` folder by bench/_current_release.py, never O*NET's 31.0 values).

Prints, from one run, for each release: the whole `python -m loader load` command (wall time, rows/s, peak
RSS, and the seconds of each of its phases, inspect, load, validate and swap, as its own summary line reports
them), its load phase (the loader's inspect + LOAD DATA, no validation) beside the floor (bare LOAD DATA of every
present file into plain typed tables, no secondary indexes), and for 29.3 only the common way (pandas read_csv +
to_sql(method="multi", chunksize=10000)). Targets, per release: whole command < 10 s, peak RSS < 400 MB, the
phases adding up to the measured wall time within 5%, load phase <= 1.5x the floor; on 29.3, load phase >= 10x
faster than pandas. Exits non-zero when a target is missed.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._current_release import FOLDER_NAME, write_full_size_release  # noqa: E402
from loader.config import Settings  # noqa: E402
from loader.db import connect, ensure_database, sqlalchemy_url  # noqa: E402
from loader.inspect import inspect_file  # noqa: E402
from loader.layout import detect_layout  # noqa: E402
from loader.stage import stage_all  # noqa: E402

RELEASE = Path(os.environ.get("ONET_TEST_RELEASE", REPO.parent / "shared" / "onet" / "db_29_3_text"))
TARGET_WALL_S = 10.0
TARGET_VS_PANDAS = 10.0
TARGET_VS_FLOOR = 1.5
TARGET_RSS_MB = 400.0
TARGET_PHASES_VS_WALL = 0.05  # the summary's phases add up to the measured wall time within 5%
PHASE_REPEATS = 3
PHASES = ("inspect", "load", "validate", "swap")
SUMMARY = re.compile(r"^O\*NET (?P<release>\S+) loaded \(load \d+\) in (?P<total>[0-9.]+) s: (?P<phases>.*)$")
PHASE = re.compile(r"(\w+) ([0-9.]+) s")


@dataclass
class Measured:
    """One release's figures."""

    release: str
    folder: Path
    files: int = 0
    rows: int = 0
    wall: float = 0.0
    rss: float = 0.0
    phases: dict[str, float] | None = None
    summary_total: float = 0.0  # the "in X s" of the summary line: from the start of the load to the summary
    load_s: float = 0.0
    floor_s: float = 0.0
    pandas_s: float | None = None

    @property
    def phases_sum(self) -> float:
        return sum(self.phases.values())


def _settings(suffix: str) -> Settings:
    return Settings.from_env({**os.environ, "MYSQL_DATABASE": f"onet_bench_{os.getpid()}_{suffix}"})


def _drop(settings: Settings) -> None:
    with connect(settings) as conn, conn.cursor() as cur:
        for name in (settings.database, settings.raw_database):
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


def _present(folder: Path):
    return [s for s in detect_layout(folder).specs if (folder / s.file_name).exists()]


def parse_summary(stdout: str, release: str) -> tuple[float, dict[str, float]]:
    """The total and the seconds of each phase, from the first line of the command's summary."""
    first = stdout.splitlines()[0] if stdout else ""
    match = SUMMARY.match(first)
    if not match or match["release"] != release:
        sys.exit(f"unexpected summary from the loader (expected 'O*NET {release} loaded ...'): {first!r}")
    phases = {name: float(seconds) for name, seconds in PHASE.findall(match["phases"])}
    if set(phases) != set(PHASES):
        sys.exit(f"the loader's summary names phases {sorted(phases)}, expected {list(PHASES)}: {first!r}")
    return float(match["total"]), phases


def whole_command(settings: Settings, folder: Path, release: str) -> tuple[float, float, float, dict[str, float]]:
    """Wall seconds, peak RSS (MB), the summary's total and phase seconds of the real command, validation included."""
    env = {**os.environ, "MYSQL_DATABASE": settings.database, "GX_ANALYTICS_ENABLED": "false"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        # Not --quiet: the summary on stdout gives the phases. Progress (stderr) is kept only to show a failure.
        process = subprocess.Popen(
            [sys.executable, "-m", "loader", "load", str(folder)], cwd=REPO, env=env, stdout=out, stderr=err
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode("utf-8", "replace")[-4000:])
            sys.exit(f"the loader failed on {folder}; see its error above")
        out.seek(0)
        total, phases = parse_summary(out.read().decode("utf-8", "replace"), release)
    return wall, usage.ru_maxrss / 1024, total, phases


def load_phase(settings: Settings, folder: Path, release: str) -> float:
    """The loader's own inspect + stage steps over every file of the layout, without validation."""
    started = time.perf_counter()
    layout = detect_layout(folder)
    infos = [inspect_file(spec, folder) for spec in layout.specs]
    names = {table: f"phase_{table}" for table in layout.tables}
    stage_all(settings, infos, names, release, 1)
    elapsed = time.perf_counter() - started
    with connect(settings, settings.raw_database) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE " + ", ".join(names.values()))
    return elapsed


def _plain_table_sql(spec, name: str) -> str:
    columns = ", ".join(f"`{c.name}` {c.sql_type} NULL" for c in spec.columns)
    return f"CREATE TABLE `{name}` ({columns}) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"


def floor(settings: Settings, folder: Path) -> float:
    """Bare LOAD DATA, one present file after another, each into a plain typed table: no lineage, no NULL mapping."""
    present = _present(folder)
    with connect(settings) as conn, conn.cursor() as cur:
        conn.select_db(settings.raw_database)
        for n, spec in enumerate(present):
            cur.execute(_plain_table_sql(spec, f"floor_{n}"))
        started = time.perf_counter()
        for n, spec in enumerate(present):
            cur.execute(
                f"LOAD DATA LOCAL INFILE %s INTO TABLE floor_{n} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' "
                "ESCAPED BY '' LINES TERMINATED BY '\\r\\n' IGNORE 1 LINES",
                (str(folder / spec.file_name),),
            )
        elapsed = time.perf_counter() - started
        cur.execute("DROP TABLE " + ", ".join(f"floor_{n}" for n in range(len(present))))
    return elapsed


def pandas_way(settings: Settings, folder: Path) -> float:
    import pandas as pd
    from sqlalchemy import create_engine

    present = _present(folder)
    engine = create_engine(sqlalchemy_url(settings, settings.raw_database))
    with connect(settings) as conn, conn.cursor() as cur:
        conn.select_db(settings.raw_database)
        for n, spec in enumerate(present):
            cur.execute(_plain_table_sql(spec, f"pandas_{n}"))
    started = time.perf_counter()
    for n, spec in enumerate(present):
        frame = pd.read_csv(
            folder / spec.file_name,
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


def measure(measured: Measured, phase_settings: Settings, with_pandas: bool) -> None:
    present = _present(measured.folder)
    measured.files = len(present)
    measured.rows = sum(inspect_file(spec, measured.folder).rows for spec in present)
    command_settings = _settings("cmd_" + measured.release.replace(".", "_"))
    try:
        measured.wall, measured.rss, measured.summary_total, measured.phases = whole_command(
            command_settings, measured.folder, measured.release
        )
    finally:
        _drop(command_settings)
    # Alternate the measured load and its floor, best of a few runs each: the machine is noisy.
    phase, bare = [], []
    for _ in range(PHASE_REPEATS):
        phase.append(load_phase(phase_settings, measured.folder, measured.release))
        bare.append(floor(phase_settings, measured.folder))
    measured.load_s, measured.floor_s = min(phase), min(bare)
    if with_pandas:
        measured.pandas_s = pandas_way(phase_settings, measured.folder)


def checks(m: Measured) -> list[tuple[str, str, str, bool]]:
    off = abs(m.phases_sum - m.wall) / m.wall
    found = [
        ("whole command (with validation)", f"{m.wall:.2f} s", f"< {TARGET_WALL_S:.0f} s", m.wall < TARGET_WALL_S),
        ("peak RSS of the command", f"{m.rss:.0f} MB", f"< {TARGET_RSS_MB:.0f} MB", m.rss < TARGET_RSS_MB),
        (
            "phases add up to the wall time",
            f"{m.phases_sum:.2f} s ({off:.1%} off)",
            f"within {TARGET_PHASES_VS_WALL:.0%}",
            off <= TARGET_PHASES_VS_WALL,
        ),
        (
            "load phase vs bare LOAD DATA floor",
            f"{m.load_s / m.floor_s:.2f}x the floor",
            f"<= {TARGET_VS_FLOOR}x",
            m.load_s / m.floor_s <= TARGET_VS_FLOOR,
        ),
    ]
    if m.pandas_s is not None:
        found.append(
            (
                "load phase vs pandas",
                f"{m.pandas_s / m.load_s:.1f}x faster",
                f">= {TARGET_VS_PANDAS:.0f}x",
                m.pandas_s / m.load_s >= TARGET_VS_PANDAS,
            )
        )
    return found


def report(results: list[Measured], written_s: float) -> int:
    for m in results:
        print(f"O*NET {m.release}: {m.folder} ({m.rows:,} rows in {m.files} files)")
    print(f"(the {results[-1].release} release was written in {written_s:.2f} s by bench/_current_release.py)")
    print()
    width = 14

    def line(name: str, values: list[str]) -> None:
        print(f"{name:<44}" + "".join(f"{v:>{width}}" for v in values))

    line("O*NET release", [m.release for m in results])
    line("files / rows", [f"{m.files} / {m.rows:,}" for m in results])
    line("whole command (s)", [f"{m.wall:.2f}" for m in results])
    line("  rows/s", [f"{m.rows / m.wall:,.0f}" for m in results])
    line("  peak RSS (MB)", [f"{m.rss:.0f}" for m in results])
    for phase in PHASES:
        line(f"  phase {phase} (s)", [f"{m.phases[phase]:.2f}" for m in results])
    line("  phases summed (s)", [f"{m.phases_sum:.2f}" for m in results])
    line("  summary's own total (s)", [f"{m.summary_total:.2f}" for m in results])
    line("  outside the summary: start-up + exit (s)", [f"{m.wall - m.summary_total:.2f}" for m in results])
    line("load phase: inspect + LOAD DATA (s)", [f"{m.load_s:.2f}" for m in results])
    line("  rows/s", [f"{m.rows / m.load_s:,.0f}" for m in results])
    line("floor: bare LOAD DATA (s)", [f"{m.floor_s:.2f}" for m in results])
    line("  rows/s", [f"{m.rows / m.floor_s:,.0f}" for m in results])
    line("pandas read_csv + to_sql(multi) (s)", [f"{m.pandas_s:.2f}" if m.pandas_s else "-" for m in results])
    workers = _settings("x").load_workers
    print(f"(the load phase stages over {workers} connections, as the loader does; the floor uses one)")
    print()
    failed = False
    for m in results:
        for name, value, target, ok in checks(m):
            print(f"{'ok  ' if ok else 'MISS'} {m.release:<6}{name:<36}{value:>22}   target {target}")
            failed |= not ok
    return 1 if failed else 0


def main() -> int:
    phase_settings = _settings("phase")
    with tempfile.TemporaryDirectory(prefix="onet_bench_") as tmp:
        started = time.perf_counter()
        generated = write_full_size_release(Path(tmp) / FOLDER_NAME)
        written_s = time.perf_counter() - started
        results = [Measured("29.3", RELEASE), Measured("31.0", generated)]
        try:
            with connect(phase_settings) as conn:
                ensure_database(conn, phase_settings.raw_database)
            for m in results:
                measure(m, phase_settings, with_pandas=m.release == "29.3")  # pandas is slow: 29.3 only
        finally:
            _drop(phase_settings)
    return report(results, written_s)


if __name__ == "__main__":
    sys.exit(main())
