"""`make run`'s pipeline script: from a loaded release (the small test release, tests/small_release.py)
to a serving API, and a second run that skips the load and the build and serves within 15 s."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import requests

from tests.conftest import REPO
from tests.service.gunicorn_server import free_port


def _start(settings, release_dir, target, port, log) -> subprocess.Popen:
    """The pipeline in its own process group; its output goes to `log` (a pipe nobody reads would fill
    and stop dbt mid-build)."""
    env = {
        **os.environ,
        "MYSQL_DATABASE": settings.database,
        "ONET_SOURCE": str(release_dir),
        "DBT_TARGET_PATH": str(target),
        "SERVICE_PORT": str(port),
    }
    return subprocess.Popen(
        [sys.executable, "scripts/run_pipeline.py"],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _serving_after(process: subprocess.Popen, port: int, limit: float, log) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        assert process.poll() is None, log.read_text()[-5000:]
        try:
            if requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:  # not listening yet, or its workers still booting
            pass
        time.sleep(0.2)
    raise AssertionError(f"not serving after {limit} s")


def _stop(process: subprocess.Popen, log) -> str:
    os.killpg(process.pid, 15)
    process.wait(timeout=30)
    return log.read_text()


def test_second_run_skips_load_and_build_and_serves_within_15_s(small_loaded, small_release_dir, tmp_path):
    target, port = tmp_path / "target", free_port()
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = _start(small_loaded, small_release_dir, target, port, first_log)
    _serving_after(first, port, 300, first_log)
    assert requests.get(f"http://127.0.0.1:{port}/dbt-docs/").status_code == 200
    first_output = _stop(first, first_log)
    assert "already loaded" in first_output

    second = _start(small_loaded, small_release_dir, target, port, second_log)
    seconds = _serving_after(second, port, 15, second_log)
    assert requests.get(f"http://127.0.0.1:{port}/api/v1/meta").json()["onet_release"] == "29.3"
    output = _stop(second, second_log)
    assert "skipping dbt build" in output, output
    assert "dbt docs site:  http://127.0.0.1" in output
    print(f"second run serving after {seconds:.1f} s")


def test_without_a_database_it_says_how_to_get_one(tmp_path):
    env = {**os.environ, "MYSQL_PORT": "9", "PATH": "/usr/bin:/bin", "DBT_TARGET_PATH": str(tmp_path)}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        [sys.executable, "scripts/run_pipeline.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "cannot reach MySQL at 127.0.0.1:9" in result.stderr
    assert "docker compose up" in result.stderr and "mariadb-server" in result.stderr
