"""Republishing under traffic: while clients ask the gap and transition endpoints of a running
gunicorn, the release is loaded again with --force and `dbt build` publishes it; no request fails
and every answer is wholly the old build's or wholly the new one's. Then a build with a failing
test, under the same traffic: the last good data is served throughout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from tests.conftest import REPO, copy_landing_tables, drop_databases, make_settings, run_dbt
from tests.service.gunicorn_server import serving

CEO = "11-1011.00"
# The republished release lowers every level of this occupation, so the answers below change.
CHANGED = CEO
PATHS = [
    *(f"/api/v1/skill-gap-by-lvl?from={code}&to={CEO}" for code in ("15-1251.00", "35-2021.00", "29-1141.00")),
    f"/api/v1/skill-gap-by-lvl?from={CEO}&to=15-1251.00",
    f"/api/v1/skill-gap?from=35-2021.00&to={CEO}",
    f"/skill-gap?from=41-9012.00&to={CEO}",
    f"/api/v1/occupations/{CEO}/transitions",
    f"/api/v1/occupations/{CEO}/transitions?limit=50&min_job_zone=3",
]
CLIENTS = 4
WORKERS = 2
# Between two requests of a client (the four ask some 150 a second in all): without it the clients
# take both cores from the load and the build they run beside, and the test takes minutes.
PAUSE_SECONDS = 0.02


class Traffic:
    """Clients asking PATHS in turn until stopped; every answer recorded as (path, status, body)."""

    def __init__(self, url: str):
        self.url = url
        self.answers: list[tuple[str, int, bytes]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(i,)) for i in range(CLIENTS)]

    def _client(self, offset: int) -> None:
        with requests.Session() as session:
            i = offset
            while not self._stop.is_set():
                path = PATHS[i % len(PATHS)]
                i += 1
                try:
                    response = session.get(self.url + path, timeout=10)
                    self.answers.append((path, response.status_code, response.content))
                except requests.RequestException as exc:
                    self.answers.append((path, 0, repr(exc).encode()))
                self._stop.wait(PAUSE_SECONDS)

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def snapshot(url: str) -> dict[str, bytes]:
    answers = {}
    for path in PATHS:
        response = requests.get(url + path, timeout=10)
        assert response.status_code == 200, (path, response.text)
        answers[path] = response.content
    return answers


def lowered_release(source: Path, folder: Path) -> Path:
    """A copy of the release in which every level (LV) of CHANGED is 1.00."""
    release = folder / source.name
    shutil.copytree(source, release)
    skills = release / "Skills.txt"
    lines = skills.read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        fields = line.split("\t")
        if fields[0] == CHANGED and fields[3] == "LV":
            fields[4] = "1.00"
            lines[i] = "\t".join(fields)
    skills.write_text("".join(lines))
    return release


def load(settings, source: Path) -> None:
    env = {"MYSQL_DATABASE": settings.database, "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "loader", "load", str(source), "--force", "--quiet"],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def published(small_loaded, tmp_path_factory):
    """Private databases with the small test release (tests/small_release.py): the session's load of it,
    copied with its load record, and one passing build."""
    root = tmp_path_factory.mktemp("republish")
    settings = make_settings(root)
    try:
        copy_landing_tables(small_loaded, settings)
        result = run_dbt(settings, "build", out_dir=root / "first")
        assert result.returncode == 0, result.stdout[-5000:]
        yield settings, root
    finally:
        drop_databases(settings)


def report(label: str, answers, old: dict, new: dict) -> Counter:
    kinds = Counter(
        "failed" if status != 200 else "old" if body == old[path] else "new" if body == new[path] else "mixed"
        for path, status, body in answers
    )
    print(f"{label}: {len(answers)} requests, " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    return kinds


def test_republish_under_traffic_then_a_failing_build(published, small_release_dir):
    settings, root = published
    log = root / "gunicorn.log"
    with serving(settings, log, SERVICE_RELEASE_CHECK_SECONDS="0.2", SERVICE_WORKERS=str(WORKERS)) as server:
        old = snapshot(server.url)
        with Traffic(server.url) as traffic:
            load(settings, lowered_release(small_release_dir, root))
            result = run_dbt(settings, "build", out_dir=root / "second")
            assert result.returncode == 0, result.stdout[-5000:]
            # Each worker reads the new build in the background and switches when it is whole.
            deadline = time.monotonic() + 60
            while server.builds_read() < 2 * WORKERS:
                assert time.monotonic() < deadline, f"every worker read the new build within 60 s; see {log}"
                time.sleep(0.1)
            time.sleep(0.5)
        new = snapshot(server.url)
        changed = [path for path in PATHS if new[path] != old[path]]
        assert changed == PATHS, (
            f"every answer asked is one the new release changes; unchanged: {set(PATHS) - set(changed)}"
        )
        kinds = report("republish", traffic.answers, old, new)
        assert set(kinds) == {"old", "new"}, kinds

        project = root / "failing" / "project"
        project.mkdir(parents=True)
        for name in ("dbt_project.yml", "profiles.yml", "dbt_project", "seeds"):
            source = REPO / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
        (project / "dbt_project" / "tests" / "assert_nothing.sql").write_text("select 1 as failure\n")
        with Traffic(server.url) as traffic:
            load(settings, small_release_dir)
            result = run_dbt(settings, "build", out_dir=root / "failing", project_dir=project)
            assert result.returncode != 0, "the build's failing test fails it"
            time.sleep(1)
        kinds = report("failing build", traffic.answers, old, new)
        assert set(kinds) == {"new"}, kinds
        assert snapshot(server.url) == new
