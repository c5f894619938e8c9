"""How a worker under gunicorn comes to hold a published build: read before it accepts a
connection; read again in the background when another build is published, the previous one
answering until the read is whole, and kept when the read fails; with nothing published, a start
all the same and the first build read when it appears. (tests/service/test_republish.py: the
switch under traffic, with the real loader and dbt.)"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import time

import pytest
import requests

from service.db import MARTS
from tests.conftest import REPO, database_env, drop_databases, make_settings, server_connection
from tests.service.gunicorn_server import BUILD_READ, GUNICORN, free_port, log_lines, serving

PROGRAMMERS = "15-1251.00"
CEO = "11-1011.00"
GAP = f"/api/v1/skill-gap-by-lvl?from={PROGRAMMERS}&to={CEO}"
TRANSITIONS = f"/api/v1/occupations/{PROGRAMMERS}/transitions"
WORKERS = 2
READ_FAILED = "published build not read"
# Each check for another build (and the retry of a failed read, at least 1 s) soon after the last.
CHECK = {"SERVICE_RELEASE_CHECK_SECONDS": "0.2", "SERVICE_WORKERS": str(WORKERS)}
DEADLINE_SECONDS = 60


def wait_for(condition, what: str, while_waiting=lambda: None) -> None:
    """Until `condition()` holds, calling `while_waiting()` in between; fails after the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {DEADLINE_SECONDS} s"
        while_waiting()
        time.sleep(0.1)


def test_a_worker_reads_the_build_before_it_accepts_a_connection(built_settings, tmp_path):
    log = tmp_path / "gunicorn.log"
    port = free_port()
    env = {**database_env(built_settings), **CHECK, "SERVICE_PORT": str(port)}
    with log.open("w") as out:
        process = subprocess.Popen(GUNICORN, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "gunicorn accepted no connection"
                time.sleep(0.002)
        assert log_lines(log, BUILD_READ), "a connection was accepted before any worker had read the build"
        url = f"http://127.0.0.1:{port}"
        # New connections, spread over the workers listening.
        answers = [requests.get(url + path, timeout=10) for _ in range(10) for path in (GAP, TRANSITIONS)]
        assert [response.status_code for response in answers] == [200] * len(answers)
        lines = log.read_text().splitlines()
        first_request = next(i for i, line in enumerate(lines) if "service.request" in line)
        first_read = next(i for i, line in enumerate(lines) if BUILD_READ in line)
        assert first_read < first_request
        wait_for(lambda: len(log_lines(log, BUILD_READ)) == WORKERS, "every worker read the build")
        assert not log_lines(log, "no published build read")
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_failed_read_keeps_the_previous_build_until_the_next_read_succeeds(built_settings, copied_marts, tmp_path):
    settings = dataclasses.replace(built_settings, database=copied_marts)
    with serving(settings, tmp_path / "gunicorn.log", **CHECK) as server:
        wait_for(lambda: len(log_lines(server.log, BUILD_READ)) == WORKERS, "every worker read the build")
        before = server.get(GAP).json()["gaps"]
        largest = before[0]["element_id"]

        def answers_the_previous_build() -> None:
            response = server.get(GAP)
            assert response.status_code == 200, response.text
            assert response.json()["gaps"] == before

        with server_connection(built_settings) as conn, conn.cursor() as cur:
            # Another build whose ratings cannot be read, and in which the largest gap would be gone.
            cur.execute(
                f"update `{copied_marts}`.fct_occupation_ratings set effective_level = 0"
                " where onetsoc_code = %s and domain = 'skills' and element_id = %s",
                (CEO, largest),
            )
            cur.execute(
                f"alter table `{copied_marts}`.fct_occupation_ratings rename column effective_level to withheld"
            )
            cur.execute(f"update `{copied_marts}`.release_info set built_at = built_at + interval 1 second")
            # Each worker fails, says why, and tries again after the interval, answering meanwhile.
            wait_for(
                lambda: len(log_lines(server.log, READ_FAILED)) >= 2 * WORKERS,
                "each worker tried to read the broken build twice",
                answers_the_previous_build,
            )
            failures = log_lines(server.log, READ_FAILED)
            assert all("Unknown column 'effective_level'" in line for line in failures), failures
            assert all("answering from the build held meanwhile" in line for line in failures), failures
            assert len(log_lines(server.log, BUILD_READ)) == WORKERS, "only the first build was read"
            answers_the_previous_build()

            cur.execute(
                f"alter table `{copied_marts}`.fct_occupation_ratings rename column withheld to effective_level"
            )
        # Requests notice the build still unread and read it again, past the retry interval.
        wait_for(
            lambda: len(log_lines(server.log, BUILD_READ)) == 2 * WORKERS,
            "every worker read the repaired build",
            lambda: server.get(GAP),
        )
        after = server.get(GAP).json()["gaps"]
        assert after != before and largest not in [gap["element_id"] for gap in after]
        for _ in range(10):
            assert server.get(GAP).json()["gaps"] == after, "every worker answers from the new build"


def test_a_worker_that_no_request_reaches_reads_another_build_too(built_settings, copied_marts, tmp_path):
    settings = dataclasses.replace(built_settings, database=copied_marts)
    with serving(settings, tmp_path / "gunicorn.log", **CHECK) as server:
        wait_for(lambda: len(log_lines(server.log, BUILD_READ)) == WORKERS, "every worker read the build")
        with server_connection(built_settings) as conn, conn.cursor() as cur:
            cur.execute(f"update `{copied_marts}`.release_info set built_at = built_at + interval 1 second")
        # No request is sent: each worker notices the new build by itself.
        wait_for(lambda: len(log_lines(server.log, BUILD_READ)) == 2 * WORKERS, "every worker read the new build")
        assert server.get(GAP).status_code == 200


@pytest.fixture
def unpublished(tmp_path):
    """Settings naming databases where nothing is published yet."""
    settings = make_settings(tmp_path)
    yield settings
    drop_databases(settings)


def publish_copy(source, target) -> None:
    """`target`'s marts: copies of `source`'s tables and views of its gap views, release_info last."""
    tables = [name for name in MARTS if name not in ("skill_gap", "skill_gap_by_level", "release_info")]
    with server_connection(source) as conn, conn.cursor() as cur:
        cur.execute(f"create database `{target.database}` character set utf8mb4 collate utf8mb4_unicode_ci")
        for table in tables:
            cur.execute(f"create table `{target.database}`.{table} as select * from `{source.database}`.{table}")
        for view in ("skill_gap", "skill_gap_by_level"):
            cur.execute(f"create view `{target.database}`.{view} as select * from `{source.database}`.{view}")
        cur.execute(f"create table `{target.database}`.release_info as select * from `{source.database}`.release_info")


def test_with_nothing_published_a_worker_starts_and_reads_the_first_build_when_it_appears(
    built_settings, unpublished, tmp_path
):
    with serving(unpublished, tmp_path / "gunicorn.log", **CHECK) as server:
        for path in ("/health/ready", GAP, TRANSITIONS):
            response = server.get(path)
            assert response.status_code == 503, (path, response.text)
            assert response.json()["code"] == "marts_unavailable", path
        # The second worker may still be starting when the first answers.
        wait_for(
            lambda: len(log_lines(server.log, "no published build read at start")) == WORKERS,
            "every worker started without a build",
        )

        publish_copy(built_settings, unpublished)
        # No request asks for it: each worker reads the build by itself.
        wait_for(lambda: len(log_lines(server.log, BUILD_READ)) == WORKERS, "every worker read the first build")
        assert server.get("/health/ready").json() == {"status": "ready", "onet_release": "29.3"}
        for _ in range(10):
            for path in (GAP, TRANSITIONS):
                response = server.get(path)
                assert response.status_code == 200, (path, response.text)
