"""A load killed mid-way leaves the served load intact; the next load cleans up after it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from loader.pipeline import run
from tests.conftest import REPO, query
from tests.loader.conftest import DATA_CHECKSUM
from tests.loader.tiny_release import CURRENT_LAYOUT_FILES, FILES, write_release


def _loader_process(settings, source) -> subprocess.Popen:
    env = {**os.environ, "MYSQL_DATABASE": settings.database, "ONET_CACHE_DIR": str(settings.cache_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "loader", "load", str(source), "--force"],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def _kill_after(process: subprocess.Popen, marker: str) -> None:
    deadline = time.monotonic() + 120
    for line in process.stderr:
        if marker in line:
            break
        assert time.monotonic() < deadline, "the loader never reached the point to kill it at"
    else:
        raise AssertionError(f"the loader ended before '{marker}' (exit {process.wait()})")
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_sigkill_mid_load_leaves_previous_load_served(settings, loaded_tiny, release_dir, tiny_release):
    before = loaded_tiny()
    process = _loader_process(settings, release_dir)
    _kill_after(process, "staged Skills.txt")

    assert process.returncode == -signal.SIGKILL
    tables = {t for (t,) in query(settings, "SHOW TABLES")}
    assert any("__new_" in t for t in tables), "the kill should have left a half-staged load behind"
    after = loaded_tiny()
    assert (after[1], after[2]) == (before[1], before[2])

    outcome = run(str(tiny_release), force=True, quiet=True, settings=settings)
    assert not any("__new_" in t or "__old_" in t for (t,) in query(settings, "SHOW TABLES"))
    statuses = query(settings, "SELECT load_id, status, message FROM load_history ORDER BY load_id")
    assert [s for _, s, _ in statuses] == ["loaded", "failed", "loaded"]
    assert statuses[1][2] == "interrupted before it finished"
    assert statuses[2][0] == outcome.load_id


def test_load_killed_after_the_swap_is_recorded_as_loaded(settings, loaded_tiny, tiny_release):
    """The swap and the history update are two statements; a kill between them is settled by the next load."""
    (served,) = query(settings, "SELECT MAX(`_load_id`) FROM occupation_data")[0]
    query(settings, "UPDATE load_history SET status = 'running', finished_at = NULL WHERE load_id = %s", (served,))

    run(str(tiny_release), quiet=True, settings=settings)

    assert query(settings, "SELECT status FROM load_history WHERE load_id = %s", (served,)) == [("loaded",)]
    # Settled as loaded, the same files are recognised as already served: nothing new was loaded.
    assert query(settings, "SELECT COUNT(*) FROM load_history") == [(1,)]


def test_a_second_concurrent_load_is_refused(settings, loaded_tiny, tiny_release):
    from loader.db import connect
    from loader.errors import LoadError

    holder = connect(settings)
    try:
        with holder.cursor() as cur:
            cur.execute("SELECT GET_LOCK(%s, 0)", (f"{settings.raw_database}.load",))
        with pytest.raises(LoadError, match="another load"):
            run(str(tiny_release), force=True, quiet=True, settings=settings)
    finally:
        holder.close()


@pytest.mark.parametrize(
    ("served", "killed", "marker"),
    [
        (FILES, CURRENT_LAYOUT_FILES, "staged Essential Skills.txt + Transferable Skills.txt"),
        (CURRENT_LAYOUT_FILES, FILES, "staged Skills.txt"),
    ],
    ids=["current layout killed", "older layout killed"],
)
def test_a_killed_load_in_either_layout_leaves_the_other_served(settings, tmp_path, served, killed, marker):
    write_release(tmp_path / "served" / "db_99_1_text", served)
    run(str(tmp_path / "served" / "db_99_1_text"), quiet=True, settings=settings)
    before = query(settings, DATA_CHECKSUM), query(settings, "SELECT `_source_file`, COUNT(*) FROM skills GROUP BY 1")

    process = _loader_process(settings, write_release(tmp_path / "killed" / "db_99_2_text", killed))
    _kill_after(process, marker)

    assert process.returncode == -signal.SIGKILL
    assert any("__new_" in t for (t,) in query(settings, "SHOW TABLES"))
    assert (
        query(settings, DATA_CHECKSUM),
        query(settings, "SELECT `_source_file`, COUNT(*) FROM skills GROUP BY 1"),
    ) == before
