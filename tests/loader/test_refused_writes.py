"""A server that starts refusing writes in the middle of a load: the load fails with a clear error
and the data already loaded stays served, on a private server made read-only."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from loader.pipeline import run
from tests.conftest import REPO, make_settings, query
from tests.loader.conftest import DATA_CHECKSUM
from tests.private_server import private_server

USER, PASSWORD = "onet_loader", "loader-password"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with private_server(tmp_path_factory.mktemp("private-mariadb")) as running:
        # read_only binds every account without SUPER (or READ ONLY ADMIN): not root, so a user of its own.
        running.execute(
            f"create user '{USER}'@'127.0.0.1' identified by '{PASSWORD}'",
            f"grant all privileges on `onet\\_%`.* to '{USER}'@'127.0.0.1'",
        )
        yield running


def served(settings) -> tuple:
    """The served tables (staging tables left by a failed load aside), the skills and the checksums."""
    tables = sorted(t for (t,) in query(settings, "show tables") if "__new_" not in t)
    skills = query(settings, "select onetsoc_code, element_id, scale_id, data_value, `_load_id` from skills")
    return tables, sorted(skills), query(settings, DATA_CHECKSUM)


def test_writes_refused_mid_load_leave_the_served_load(server, tmp_path, tiny_release, release_dir):
    settings = make_settings(
        tmp_path, MYSQL_HOST="127.0.0.1", MYSQL_PORT=str(server.port), MYSQL_USER=USER, MYSQL_PASSWORD=PASSWORD
    )
    run(str(tiny_release), quiet=True, settings=settings)
    before = served(settings)

    env = {
        **os.environ,
        "MYSQL_HOST": "127.0.0.1",
        "MYSQL_PORT": str(server.port),
        "MYSQL_USER": USER,
        "MYSQL_PASSWORD": PASSWORD,
        "MYSQL_DATABASE": settings.database,
        "ONET_CACHE_DIR": str(settings.cache_dir),
        "GX_ANALYTICS_ENABLED": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "loader", "load", str(release_dir), "--force"],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines = []
    for line in process.stderr:
        lines.append(line)
        # Every file is staged; what is left is validation and the swap, which must write.
        if "validating" in line:
            server.execute("set global read_only = 1")
            break
    else:
        pytest.fail(f"the loader ended before validating:\n{''.join(lines)}")
    try:
        lines += process.stderr.readlines()
        assert process.wait(timeout=120) != 0
    finally:
        server.execute("set global read_only = 0")
    output = "".join(lines)
    assert "read-only" in output or "read_only" in output, output
    assert "Traceback" not in output, output
    print(output.strip().splitlines()[-1])
    assert served(settings) == before, "the load the server refused left what was served"

    run(str(tiny_release), force=True, quiet=True, settings=settings)
    assert not any("__new_" in t or "__old_" in t for (t,) in query(settings, "show tables"))
