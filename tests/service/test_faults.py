"""The database goes away under a running gunicorn (a proxy in front of the server is cut):
every request that needs it gets a 503 within the connect timeout, no worker hangs, and the
service recovers by itself when the database is back."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.service.gunicorn_server import serving

CONNECT_TIMEOUT = 1
# More at once than the workers have threads (2 x 4): a hung worker would leave some unanswered.
CONCURRENT = 24
NEEDS_DATABASE = [
    "/api/v1/skill-gap-by-lvl?from=15-1251.00&to=11-1011.00",
    "/api/v1/occupations/15-1251.00/transitions",
    "/api/v1/occupations?q=nurse",
    "/api/v1/occupations/11-1011.00",
    "/api/v1/elements?domain=skills",
    "/health/ready",
]


def timed(url: str) -> tuple[int, str, float]:
    started = time.monotonic()
    response = requests.get(url, timeout=30)
    code = response.json().get("code", "") if response.status_code != 200 else ""
    return response.status_code, code, time.monotonic() - started


def test_database_away_and_back_under_gunicorn(built_settings, proxy, tmp_path):
    env = {
        "MYSQL_PORT": str(proxy.port),
        "MYSQL_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        # The gap and transition answers are in memory: their check for another build is what
        # meets the database, here on every request.
        "SERVICE_RELEASE_CHECK_SECONDS": "0",
    }
    with serving(built_settings, tmp_path / "gunicorn.log", **env) as server, ThreadPoolExecutor(CONCURRENT) as pool:
        urls = [server.url + NEEDS_DATABASE[i % len(NEEDS_DATABASE)] for i in range(CONCURRENT)]
        assert [status for status, _, _ in pool.map(timed, urls)] == [200] * CONCURRENT

        proxy.stop()
        away = list(pool.map(timed, urls))
        assert {(status, code) for status, code, _ in away} == {(503, "database_unavailable")}
        slowest = max(seconds for _, _, seconds in away)
        live = timed(server.url + "/health")
        assert live[0] == 200 and live[2] < 1, "the workers still answer what needs no database"

        proxy.start()
        started = time.monotonic()
        while True:
            back = list(pool.map(timed, urls))
            if all(status == 200 for status, _, _ in back):
                break
            assert time.monotonic() - started < 10, f"not recovered: {back}"
            time.sleep(0.2)
        recovery = time.monotonic() - started
        assert server.process.poll() is None, "recovered without a restart"
    print(
        f"database away: {CONCURRENT} concurrent requests, all 503, slowest {slowest:.2f} s"
        f" (connect timeout {CONNECT_TIMEOUT} s); recovered {recovery:.2f} s after it was back"
    )
    assert slowest < CONNECT_TIMEOUT * 3 + 1
