"""The load: inspect, stage, validate, swap, record; each step a function of its own."""

from __future__ import annotations

from dataclasses import dataclass

import pymysql

from . import history, swap
from .config import Settings
from .db import connect, ensure_database, sqlalchemy_url
from .errors import LoadError
from .inspect import FileInfo, inspect_file
from .layout import detect_layout
from .progress import Reporter
from .source import Release, open_release
from .specs import Layout
from .stage import add_natural_key, stage_all, staged_name
from .validate import preload, validate


@dataclass(frozen=True)
class Outcome:
    load_id: int | None  # None: skipped, the release was already loaded
    release: str
    layout: str
    rows: dict[str, int]
    phases: dict[str, float]  # seconds of inspect, load, validate and swap


def inspect_release(release: Release) -> tuple[Layout, list[FileInfo]]:
    """The release's layout, and each of its files inspected."""
    layout = detect_layout(release.folder)
    return layout, [inspect_file(spec, release.folder) for spec in layout.specs]


def _same_as_served(cur, release: Release, infos: list[FileInfo]) -> bool:
    served = history.current_files(cur)
    return served is not None and served == (release.number, {i.spec.file_name: i.sha256 for i in infos})


def _acquire_lock(cur, name: str) -> None:
    cur.execute("SELECT GET_LOCK(%s, 0)", (name,))
    if cur.fetchone()[0] != 1:
        raise LoadError(f"another load into {name.rsplit('.', 1)[0]} is running; try again when it has finished")


def _stage_and_publish(
    cur, settings: Settings, infos: list[FileInfo], release: Release, load_id: int, reporter: Reporter
) -> None:
    # Named before they exist, so a failure half-way still drops every one of them.
    staged = {info.spec.table: staged_name(info.spec.table, load_id) for info in infos}
    try:
        reporter.start_files(len(staged))
        stage_all(settings, infos, staged, release.number, load_id, reporter.table_staged)
        reporter.end_files()
        reporter.phase_done("load")
        reporter.log("validating with great-expectations")
        for table, name in staged.items():
            add_natural_key(cur, next(i.spec for i in infos if i.spec.table == table), name)
        errors = validate(sqlalchemy_url(settings, settings.raw_database), [i.spec for i in infos if i.present], staged)
        if errors:
            raise LoadError.combine(errors)
        reporter.phase_done("validate")
        checksums = {}
        for info in infos:
            checksums[info.spec.file_name] = swap.data_checksum(cur, info.spec, staged[info.spec.table])
        history.record_files(cur, load_id, infos, checksums)
        swap.swap_in(cur, staged, load_id)
    except BaseException:
        reporter.end_files()
        swap.drop_staged(cur, staged)
        raise


def run(
    source: str | None,
    release: str | None = None,
    force: bool = False,
    quiet: bool = False,
    settings: Settings | None = None,
    started: float | None = None,
) -> Outcome:
    """Load a release; raises LoadError (with nothing served changed) when it cannot.

    `started` (a `time.perf_counter()` value) is when the command began, where its timing starts.
    """
    settings = settings or Settings.from_env()
    reporter = Reporter(quiet=quiet, started=started)
    preload()
    try:
        conn = connect(settings)
    except pymysql.err.OperationalError as exc:
        raise LoadError(
            f"cannot connect to MySQL at {settings.host}:{settings.port} as {settings.user}: {exc.args[-1]}"
        ) from None
    with conn, conn.cursor() as cur:
        ensure_database(conn, settings.raw_database)
        conn.select_db(settings.raw_database)
        _acquire_lock(cur, f"{settings.raw_database}.load")
        history.ensure_tables(cur)
        history.reconcile_interrupted(cur)
        leftovers = swap.drop_leftovers(cur)
        if leftovers:
            reporter.log(f"dropped {len(leftovers)} tables left by an interrupted load")
        with open_release(source, release, settings) as found:
            layout, infos = inspect_release(found)
            reporter.log(f"O*NET release {found.number} ({layout.name} layout) from {found.origin}")
            rows = {i.spec.file_name: i.rows for i in infos if i.present}
            reporter.phase_done("inspect")
            if not force and _same_as_served(cur, found, infos):
                reporter.log(f"release {found.number} is already loaded with these exact files; use --force to reload")
                return Outcome(None, found.number, layout.name, rows, reporter.phases)
            load_id = history.begin(cur, found.number, found.origin, force)
            try:
                _stage_and_publish(cur, settings, infos, found, load_id, reporter)
            except Exception as exc:
                history.finish(cur, load_id, "failed", str(exc))
                raise
            history.finish(cur, load_id, "loaded")
            reporter.phase_done("swap")
        reporter.summary(
            found.number, load_id, [(i.spec.file_name, i.spec.table, i.rows if i.present else None) for i in infos]
        )
        return Outcome(load_id, found.number, layout.name, rows, reporter.phases)
