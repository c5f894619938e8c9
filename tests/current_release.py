"""The session's release in O*NET's current (31.0) layout, downloaded, loaded, built and served as `make run` does.

`write_current_release` writes the shared 29.3 release in the 31.0 layout (tests/current_layout.py) with a
`Read Me.txt` naming 31.0, plus Abilities and Work Activities for 40 occupations. `serve_current_release`
zips it as O*NET names its download (`db_31_0_text.zip`), serves it from a local HTTP server, and runs
`scripts/run_pipeline.py` with no SOURCE and no local copy, so the loader downloads release 31.0 from that
server; dbt builds the marts and gunicorn serves them. The fixtures are in tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from loader.config import Settings
from tests.conftest import REPO, database_env, drop_databases, make_settings
from tests.current_layout import convert_to_current_layout, write_abilities_and_work_activities
from tests.service.gunicorn_server import free_port

RELEASE = "31.0"
FOLDER = "db_31_0_text"
DOWNLOAD_PATH = "/dl/db_31_0_text.zip"
RATED_IN_NEW_DOMAINS = 40  # occupations with Abilities and Work Activities ratings
READY_WITHIN = 600  # seconds: load, dbt build and docs, gunicorn


@dataclass(frozen=True)
class CurrentRelease:
    settings: Settings
    url: str  # the service's base URL
    folder: Path  # the release as written (what was zipped)
    archive: bytes  # the zip served as the download
    cache_dir: Path
    log: Path  # the pipeline's output
    download_server: HTTPServer

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)


def write_current_release(release_dir: Path, root: Path) -> Path:
    """`root/db_31_0_text`: 29.3's data in the 31.0 layout, with Abilities and Work Activities."""
    folder = convert_to_current_layout(release_dir, root / FOLDER, readme_release=RELEASE)
    write_abilities_and_work_activities(folder, occupations=RATED_IN_NEW_DOMAINS)
    return folder


def _wait_until_ready(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the pipeline exited with {process.returncode}:\n{log.read_text()[-6000:]}")
        try:
            if requests.get(url + "/health/ready", timeout=2).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or its workers still booting
            pass
        time.sleep(0.5)
    pytest.fail(f"not serving after {READY_WITHIN} s:\n{log.read_text()[-6000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextlib.contextmanager
def serve_current_release(folder: Path, root: Path) -> Iterator[CurrentRelease]:
    """The pipeline (`make run`) on `folder` (write_current_release), downloaded from a local server as
    release 31.0; stopped and its databases dropped afterwards."""
    archive = Path(shutil.make_archive(str(root / "served" / FOLDER), "zip", folder.parent, folder.name)).read_bytes()

    download = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    download.expect_request(DOWNLOAD_PATH).respond_with_data(archive, content_type="application/zip")
    download.start()
    cache_dir = root / "cache"
    settings = make_settings(
        ONET_CACHE_DIR=str(cache_dir),
        ONET_LOCAL_DIRS=str(root / "nowhere"),
        ONET_DOWNLOAD_URL=download.url_for("/dl/db_{release}_text.zip"),
    )
    port = free_port()
    env = {
        **database_env(settings),
        "ONET_CACHE_DIR": str(cache_dir),
        "ONET_LOCAL_DIRS": str(root / "nowhere"),
        "ONET_DOWNLOAD_URL": download.url_for("/dl/db_{release}_text.zip"),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "SERVICE_PORT": str(port),
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
    }
    # No SOURCE and the newest release by default: the loader must find nothing local and download 31.0. No
    # O*NET Web Services key: an occupation the release does not rate stays unrated.
    for name in ("ONET_SOURCE", "ONET_RELEASE", "ONET_API_KEY"):
        env.pop(name, None)
    log = root / "pipeline.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "scripts/run_pipeline.py"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, url, log)
        yield CurrentRelease(settings, url, folder, archive, cache_dir, log, download)
    finally:
        _stop(process)
        download.clear()
        download.stop()
        drop_databases(settings)
