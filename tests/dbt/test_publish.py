"""Atomic publishing: what the service reads changes only after a whole `dbt build` passed, and all at once.

Each test runs the real `dbt build` on a copy of the project against a private service database whose
landing tables are copies of the small test release's (tests/small_release.py); edits to the copy (a
renamed SOC major group, a failing test, a broken model) make the new build differ from what is served.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from loader.config import Settings
from tests.conftest import REPO, copy_landing_tables, drop_databases, make_settings, query, run_dbt, server_connection

PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "dbt_project", "seeds")
OLD_NAME = "Management Occupations"
NEW_NAME = "Management Occupations (rebuilt)"
STATE_SQL = """
    select
        (select dbt_invocation_id from release_info) as invocation,
        (select major_group_name from dim_occupations where onetsoc_code = '11-1011.00') as group_name,
        (select count(*) from skill_gap_by_level where from_code = '11-1011.00' and to_code = '15-1211.00') as gaps
"""
TABLES = ("dim_alternate_titles", "dim_domains", "dim_elements", "dim_occupations", "fct_occupation_ratings")


@dataclass(frozen=True)
class Publishing:
    settings: Settings
    root: Path


@pytest.fixture(scope="module")
def publishing(small_loaded, tmp_path_factory):
    """A private service database, published once by a passing build of the unchanged project."""
    root = tmp_path_factory.mktemp("publish")
    settings = make_settings(root)
    copy_landing_tables(small_loaded, settings)
    try:
        result = run_dbt(settings, "build", out_dir=root / "first", project_dir=copy_project(root / "first"))
        assert result.returncode == 0, result.stdout[-5000:]
        yield Publishing(settings, root)
    finally:
        drop_databases(settings)


def copy_project(folder: Path, major_group_name: str = OLD_NAME) -> Path:
    """A copy of the dbt project in `folder`, with SOC major group 11 renamed to `major_group_name`."""
    project = folder / "project"
    project.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    seed = project / "seeds" / "soc_major_groups.csv"
    seed.write_text(seed.read_text().replace(f"11,11-0000,{OLD_NAME}\n", f"11,11-0000,{major_group_name}\n"))
    return project


def served_state(settings) -> tuple:
    return query(settings, STATE_SQL, database=settings.database)[0]


def checksums(settings) -> list[tuple]:
    return query(settings, "CHECKSUM TABLE " + ", ".join(TABLES), database=settings.database)


def build(publishing: Publishing, name: str, *args: str, edit=None):
    """`dbt build` (or `args`) of a project copy whose major group 11 is renamed; `edit(project)` changes it more."""
    folder = publishing.root / name
    project = copy_project(folder, NEW_NAME)
    if edit:
        edit(project)
    result = run_dbt(publishing.settings, *(args or ("build",)), out_dir=folder, project_dir=project)
    results = json.loads((folder / "target" / "run_results.json").read_text())["results"]
    return result, {r["unique_id"]: r["status"] for r in results}


def build_database_name(publishing: Publishing) -> str:
    """The name of major group 11 in the build database's dim_occupations (what the last build built)."""
    rows = query(
        publishing.settings,
        "select major_group_name from dim_occupations where onetsoc_code = '11-1011.00'",
        database=f"{publishing.settings.database}_build",
    )
    return rows[0][0]


def test_a_failing_test_leaves_the_served_marts_unchanged(publishing):
    before, sums = served_state(publishing.settings), checksums(publishing.settings)

    def add_failing_test(project: Path) -> None:
        (project / "dbt_project" / "tests" / "assert_nothing.sql").write_text("select 1 as failure\n")

    result, statuses = build(publishing, "failing_test", edit=add_failing_test)
    assert result.returncode == 1
    assert statuses.pop("test.onet_skillgap.assert_nothing") == "fail"
    assert set(statuses.values()) <= {"success", "pass"}  # everything else was built and passed
    assert build_database_name(publishing) == NEW_NAME
    assert "publish: nothing published" in result.stdout
    assert served_state(publishing.settings) == before
    assert before[1] == OLD_NAME
    assert checksums(publishing.settings) == sums


def test_a_model_error_leaves_the_served_marts_unchanged(publishing):
    before, sums = served_state(publishing.settings), checksums(publishing.settings)

    def break_a_model(project: Path) -> None:
        broken = project / "dbt_project" / "models" / "intermediate" / "int_ratings_unioned.sql"
        broken.write_text("select no_such_column\n")

    result, statuses = build(publishing, "model_error", edit=break_a_model)
    assert result.returncode == 1
    assert statuses["model.onet_skillgap.int_ratings_unioned"] == "error"
    assert statuses["model.onet_skillgap.dim_occupations"] == "skipped"
    assert statuses["seed.onet_skillgap.soc_major_groups"] == "success"
    assert served_state(publishing.settings) == before
    assert checksums(publishing.settings) == sums


@pytest.mark.parametrize("args", [("build", "--select", "soc_major_groups+"), ("run",)], ids=["selection", "run"])
def test_only_a_build_of_the_whole_project_publishes(publishing, args):
    before = served_state(publishing.settings)
    result, statuses = build(publishing, "partial_" + args[0], *args)
    assert result.returncode == 0, result.stdout[-3000:]
    assert statuses["model.onet_skillgap.dim_occupations"] == "success"
    assert "publish: nothing published" in result.stdout
    assert served_state(publishing.settings) == before


def test_a_passing_build_publishes_every_mart_at_once(publishing):
    before = served_state(publishing.settings)
    seen: list = []
    done = threading.Event()

    def read_continuously() -> None:
        """The service's view: one statement reads three marts; each answer must be all old or all new."""
        with server_connection(publishing.settings) as conn, conn.cursor() as cur:
            conn.select_db(publishing.settings.database)
            while not done.is_set():
                try:
                    cur.execute(STATE_SQL)
                    seen.append(cur.fetchone())
                except Exception as exc:  # a missing table, for instance
                    seen.append(repr(exc))
                time.sleep(0.002)

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        result, statuses = build(publishing, "passing")
    finally:
        done.set()
        reader.join()
    assert result.returncode == 0, result.stdout[-3000:]
    after = served_state(publishing.settings)
    assert after[1] == NEW_NAME and after[0] != before[0] and after[2] == before[2]
    assert set(statuses.values()) <= {"success", "pass"}
    # Every answer was the old state or the new one, never an error or a mix, and it switched once.
    assert set(seen) <= {before, after}, [s for s in seen if s not in (before, after)][:3]
    switch = seen.index(after)
    assert seen[:switch] == [before] * switch and seen[switch:] == [after] * (len(seen) - switch)
    assert switch > 100
