"""The service under a real gunicorn, with the committed gunicorn.conf.py, on a free local port."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import REPO, database_env

# What a worker logs once it answers from a build it has read (service/serving/published.py).
BUILD_READ = "published build read for O*NET"


# The service under gunicorn with the committed settings, run from the repository's root.
GUNICORN = [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_lines(log: Path, text: str) -> list[str]:
    return [line for line in log.read_text().splitlines() if text in line]


class Server:
    def __init__(self, url: str, log: Path, process: subprocess.Popen):
        self.url = url
        self.log = log
        self.process = process

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(self.url + path, timeout=10, **kwargs)

    def builds_read(self) -> int:
        """How many builds the workers have read so far, each worker counting each of its reads."""
        return len(log_lines(self.log, BUILD_READ))


@contextlib.contextmanager
def serving(settings, log: Path, **env: str):
    """The service under gunicorn with the committed gunicorn.conf.py, on a free local port, over
    `settings`' marts; `env` adds settings of the service."""
    port = free_port()
    env = {**database_env(settings), "SERVICE_PORT": str(port), **env}
    with log.open("w") as out:
        process = subprocess.Popen(GUNICORN, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(url + "/health", timeout=1).ok:
                break
        # A worker still starting on a busy machine answers late: wait on, up to the deadline.
        except (requests.ConnectionError, requests.Timeout):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    try:
        yield Server(url, log, process)
    finally:
        process.terminate()
        process.wait(timeout=15)
