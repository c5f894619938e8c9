"""Session fixtures: a private set of databases on the real server, dropped afterwards."""

from __future__ import annotations

import fcntl
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pymysql
import pytest

from loader.config import Settings

REPO = Path(__file__).resolve().parent.parent
RELEASE_DIR = Path(os.environ.get("ONET_TEST_RELEASE", REPO.parent / "shared" / "onet" / "db_29_3_text"))
_counter = itertools.count(1)
# Session fixtures that each cost a whole build, and the test files that use them: pytest-xdist
# runs each group's files on one worker, so the fixture is set up once (the scheduler below reads
# file names only; the collection check keeps the lists true).
SHARED_SETUPS = {
    "api_built": (
        "tests/dbt/test_onet_api_marts.py",
        "tests/service/test_gap_index.py",
        "tests/service/test_gaps_web_services.py",
        "tests/service/test_hostile_input.py",
        "tests/service/test_onet_api.py",
    ),
}


# The costliest test files and shared setups, costliest first (seconds on a run of the whole suite):
# pytest-xdist hands them out in this order, before every other file, so that none of them starts
# last and keeps one worker busy while the other has finished.
COSTLIEST_FIRST = (
    "api_built",  # 160, its five files
    "tests/dbt/test_publish.py",  # 102
    "tests/service/test_republish.py",  # 80
    "tests/service/test_llm.py",  # 59
    "tests/test_current_release.py",  # 58
    "tests/test_secrets.py",  # 57
    "tests/service/test_build_switch.py",  # 38
    "tests/test_run_pipeline.py",  # 30
    "tests/bench/test_transitions.py",  # 26
)
_GROUP_OF = {file: setup for setup, files in SHARED_SETUPS.items() for file in files}


def _scope(nodeid: str) -> str:
    """The unit pytest-xdist schedules `nodeid` in: its file, or the shared setup its file is listed with."""
    file = nodeid.split("::", 1)[0]
    return _GROUP_OF.get(file, file)


def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's file-by-file scheduling, with the files of each shared setup as one unit, in
    the order of the collection (which puts COSTLIEST_FIRST first)."""
    from xdist.scheduler import LoadFileScheduling

    class SharedSetupScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    config.option.loadscopereorder = False
    return SharedSetupScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put COSTLIEST_FIRST first; fail collection when a test file uses a shared setup without being
    listed with it."""
    for item in items:
        file = item.nodeid.split("::", 1)[0]
        for setup, files in SHARED_SETUPS.items():
            if setup in getattr(item, "fixturenames", ()) and file not in files:
                raise pytest.UsageError(f"{file} uses {setup}: list it in SHARED_SETUPS (tests/conftest.py)")
    rank = {scope: n for n, scope in enumerate(COSTLIEST_FIRST)}
    items.sort(key=lambda item: rank.get(_scope(item.nodeid), len(rank)))


def server_connection(settings: Settings) -> pymysql.connections.Connection:
    """A connection of the tests' own, without TLS: the test server offers none, and PyMySQL would
    build a TLS context for every connection anyway (about 30 ms, docs/stack-notes.md)."""
    return pymysql.connect(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password,
        autocommit=True,
        ssl_disabled=True,
    )


def drop_databases(settings: Settings) -> None:
    """Drop `<db>` and every `<db>_*` database."""
    with server_connection(settings) as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES")
        for (name,) in cur.fetchall():
            if name == settings.database or name.startswith(settings.database + "_"):
                cur.execute(f"DROP DATABASE `{name}`")


def make_settings(tmp_path: Path | None = None, **overrides: str) -> Settings:
    env = {**os.environ, "MYSQL_DATABASE": f"onet_t{os.getpid()}x{next(_counter)}", **overrides}
    if tmp_path is not None:
        env.setdefault("ONET_CACHE_DIR", str(tmp_path / "cache"))
        env.setdefault("ONET_LOCAL_DIRS", str(tmp_path / "nowhere"))
    return Settings.from_env(env)


# The costliest session setups (the full release loaded, then built) are made once for the whole
# run, not once per pytest worker: the main process names a folder and a database for them
# (pytest_configure, before the workers start, which inherit its environment); the first worker that
# needs a setup makes it while the others wait on its lock; the main process drops them at the end.
SHARED_FOLDER, SHARED_DATABASE = "ONET_TEST_SHARED_FOLDER", "ONET_TEST_SHARED_DATABASE"


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        os.environ[SHARED_FOLDER] = tempfile.mkdtemp(prefix="onet-tests-")
        os.environ[SHARED_DATABASE] = f"onet_s{os.getpid()}"


def pytest_unconfigure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or SHARED_FOLDER not in os.environ:
        return
    folder = Path(os.environ.pop(SHARED_FOLDER))
    if any(folder.glob("*.lock")):  # a setup was made: its databases may exist
        drop_databases(_shared_settings(folder))
    shutil.rmtree(folder, ignore_errors=True)
    os.environ.pop(SHARED_DATABASE, None)


def _shared_settings(folder: Path | None = None) -> Settings:
    folder = folder or Path(os.environ[SHARED_FOLDER])
    return make_settings(folder / "loaded", MYSQL_DATABASE=os.environ[SHARED_DATABASE])


def once_per_run(name: str, make: Callable[[Path], object]) -> Path:
    """`make(folder)` run once in the whole run, by whichever worker asks first while the others
    wait; returns the folder. A failed `make` is tried again by the next that asks."""
    folder = Path(os.environ[SHARED_FOLDER]) / name
    with (folder.parent / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder.parent / f"{name}.done"
        if not done.exists():
            folder.mkdir(exist_ok=True)
            make(folder)
            done.touch()
    return folder


@pytest.fixture
def settings(tmp_path):
    """Settings naming databases of this test alone."""
    s = make_settings(tmp_path)
    yield s
    drop_databases(s)


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory) -> Path:
    """The session's release: the shared 29.3 release plus O*NET 28.2's Technology Skills.txt
    (29.3 ships none; tests/technology_release.py), as links in a folder of the session's."""
    from tests.technology_release import with_technology

    if not (RELEASE_DIR / "Occupation Data.txt").exists():
        pytest.fail(f"the O*NET 29.3 text release is not at {RELEASE_DIR}; set ONET_TEST_RELEASE")
    return with_technology(RELEASE_DIR, tmp_path_factory.mktemp("release"))


@pytest.fixture(scope="session")
def small_release_dir(release_dir, tmp_path_factory) -> Path:
    """The session's release cut to about 40 occupations, for the tests that load or build many
    times (tests/small_release.py)."""
    from tests.small_release import write_small_release

    return write_small_release(release_dir, tmp_path_factory.mktemp("small_release"))


def loaded(release: Path, folder: Path) -> Settings:
    """Settings of new databases whose landing database holds `release`."""
    from loader.pipeline import run

    s = make_settings(folder)
    run(str(release), quiet=True, settings=s)
    return s


@pytest.fixture(scope="session")
def small_loaded(small_release_dir, tmp_path_factory):
    """Settings whose landing database holds `small_release_dir`, loaded once per session."""
    s = loaded(small_release_dir, tmp_path_factory.mktemp("small_loaded"))
    yield s
    drop_databases(s)


@pytest.fixture(scope="session")
def loaded_settings(release_dir) -> Settings:
    """Settings whose landing database holds the full shared release: loaded once for the whole run
    and shared by every pytest worker, so tests only read it (or copy it: copy_landing_tables)."""
    from loader.pipeline import run

    settings = _shared_settings()
    once_per_run("loaded", lambda _folder: run(str(release_dir), quiet=True, settings=settings))
    return settings


def query(settings: Settings, sql: str, args=None, database: str | None = None) -> list[tuple]:
    with server_connection(settings) as conn, conn.cursor() as cur:
        conn.select_db(database or settings.raw_database)
        cur.execute(sql, args)
        return list(cur.fetchall())


def database_env(settings: Settings) -> dict[str, str]:
    """This process's environment with the `MYSQL_*` settings that reach `settings`' databases."""
    return {
        **os.environ,
        "MYSQL_HOST": settings.host,
        "MYSQL_PORT": str(settings.port),
        "MYSQL_USER": settings.user,
        "MYSQL_PASSWORD": settings.password,
        "MYSQL_DATABASE": settings.database,
    }


# The newest `partial_parse.msgpack` this process's dbt runs wrote, by database: dbt parses the project
# again only where it changed (about 5 s a run), as it does for anyone whose target/ persists. dbt
# itself checks that the saved parse still holds (the profile, the project and each file's checksum).
_PARSED: dict[str, Path] = {}


def run_dbt(
    settings: Settings, *args: str, out_dir: Path, project_dir: Path = REPO, file_log: bool = False
) -> subprocess.CompletedProcess:
    """Run the real dbt CLI in `project_dir` (the repository root) against `settings`' databases.
    Its console output is returned; `logs/dbt.log` (the debug log, 1 MB a build) only with `file_log`."""
    env = {**database_env(settings), "DO_NOT_TRACK": "1"}
    target = out_dir / "target"
    parsed = target / "partial_parse.msgpack"
    if not parsed.exists() and settings.database in _PARSED:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_PARSED[settings.database], parsed)
    command = [
        str(Path(sys.executable).with_name("dbt")),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target),
        "--log-path",
        str(out_dir / "logs"),
        *(() if file_log else ("--log-level-file", "none")),
    ]
    result = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True, timeout=600)
    if parsed.exists():
        _PARSED[settings.database] = parsed
    return result


@pytest.fixture(scope="session")
def dbt_build(loaded_settings) -> Path:
    """The run's `dbt build` over `loaded_settings` (once, for every worker), then its `dbt docs
    generate`, before any test reads the build; returns the build's output folder (`target/`, `logs/`)."""

    def build(folder: Path) -> None:
        for command, out in ((("build",), folder / "build"), (("docs", "generate"), folder / "docs")):
            result = run_dbt(loaded_settings, *command, out_dir=out)
            assert result.returncode == 0, result.stdout[-5000:]

    folder = once_per_run("built", build)
    # A worker that did not build parses from the build's parse too.
    _PARSED.setdefault(loaded_settings.database, folder / "docs" / "target" / "partial_parse.msgpack")
    return folder / "build"


@pytest.fixture(scope="session")
def dbt_docs(dbt_build) -> Path:
    """The `target/` of the session build's `dbt docs generate` (the dbt docs site's files)."""
    return dbt_build.parent / "docs" / "target"


@pytest.fixture(scope="session")
def built_settings(loaded_settings, dbt_build):
    """`loaded_settings` after a successful `dbt build`: the marts are published in `<db>`."""
    return loaded_settings


def copy_landing_tables(source: Settings, target: Settings) -> None:
    """`target`'s landing database: a copy of `source`'s landing tables (no load needed)."""
    with server_connection(source) as conn, conn.cursor() as cur:
        cur.execute(f"create database `{target.raw_database}` character set utf8mb4 collate utf8mb4_unicode_ci")
        cur.execute(
            "select table_name from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE'",
            (source.raw_database,),
        )
        for (table,) in cur.fetchall():
            copy, original = f"`{target.raw_database}`.`{table}`", f"`{source.raw_database}`.`{table}`"
            cur.execute(f"create table {copy} like {original}")
            cur.execute(f"insert into {copy} select * from {original}")


@pytest.fixture(scope="session")
def api_built(loaded_settings, tmp_path_factory) -> Settings:
    """Own databases: the session's landing tables, an empty O*NET Web Services store (`<db>_api`)
    and one `dbt build` over them, whose views read the store live. Tests share it, and empty the
    store before they write to it."""
    from service.config import ServiceConfig
    from service.onet_ws.store import OnetApiStore

    mine = make_settings()
    copy_landing_tables(loaded_settings, mine)
    store = OnetApiStore(
        ServiceConfig(host=mine.host, port=mine.port, user=mine.user, password=mine.password, database=mine.database)
    )
    store.ensure()
    store.engine.dispose()
    result = run_dbt(mine, "build", out_dir=tmp_path_factory.mktemp("api_dbt"))
    assert result.returncode == 0, result.stdout[-5000:]
    yield mine
    drop_databases(mine)


@pytest.fixture(scope="session")
def api_store(api_built):
    """The O*NET Web Services store of `api_built`'s databases."""
    from service.config import ServiceConfig
    from service.onet_ws.store import OnetApiStore

    store = OnetApiStore(
        ServiceConfig(
            host=api_built.host,
            port=api_built.port,
            user=api_built.user,
            password=api_built.password,
            database=api_built.database,
        )
    )
    yield store
    store.engine.dispose()


@pytest.fixture(scope="session")
def current_layout_release(release_dir, tmp_path_factory) -> Path:
    """The shared 29.3 release in O*NET's 31.0 layout (`db_31_0_text`, with a Read Me naming 31.0), plus
    Abilities and Work Activities for 40 occupations (tests/current_release.py)."""
    from tests.current_release import write_current_release

    return write_current_release(release_dir, tmp_path_factory.mktemp("current_layout"))


@pytest.fixture(scope="session")
def current_release_served(current_layout_release, tmp_path_factory):
    """`make run`'s pipeline with no SOURCE: release 31.0 (`current_layout_release`) downloaded from a local
    server, loaded, built once for the session and served by gunicorn (tests/current_release.py)."""
    from tests.current_release import serve_current_release

    with serve_current_release(current_layout_release, tmp_path_factory.mktemp("current_release")) as served:
        yield served
