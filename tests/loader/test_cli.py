"""The command line: exit codes, messages and output as a user sees them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, query
from tests.loader.tiny_release import CURRENT_LAYOUT_FILES, write_release


def _cli(settings, *args: str, **env_vars: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MYSQL_DATABASE": settings.database, "ONET_CACHE_DIR": str(settings.cache_dir), **env_vars}
    env.pop("ONET_SOURCE", None)
    return subprocess.run(
        [sys.executable, "-m", "loader", "load", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_load_prints_row_counts_per_file(settings, tiny_release):
    result = _cli(settings, str(tiny_release))
    assert result.returncode == 0, result.stderr
    assert "O*NET 99.1 loaded" in result.stdout
    assert "Skills.txt\tskills\t8" in result.stdout
    assert "Knowledge.txt\tknowledge\tnot in release" in result.stdout
    assert "staged Skills.txt: 8 rows into skills" in result.stderr
    assert "O*NET release 99.1 (up to 30.2 layout)" in result.stderr


def test_load_prints_the_time_of_each_phase(settings, tiny_release):
    result = _cli(settings, str(tiny_release))
    summary = next(line for line in result.stdout.splitlines() if " loaded (load " in line)
    match = re.fullmatch(
        r"O\*NET 99\.1 loaded \(load \d+\) in ([\d.]+) s: inspect ([\d.]+) s, load ([\d.]+) s, "
        r"validate ([\d.]+) s, swap ([\d.]+) s",
        summary,
    )
    assert match, summary
    total, *phases = (float(x) for x in match.groups())
    assert abs(sum(phases) - total) <= 0.02


def test_without_source_it_downloads_the_newest_release(settings, tmp_path, httpserver):
    """No SOURCE and no local copy: the default release, 31.0, in the layout of 30.3 and later."""
    folder = write_release(tmp_path / "db_31_0_text", CURRENT_LAYOUT_FILES)
    archive = shutil.make_archive(str(tmp_path / "served"), "zip", folder.parent, folder.name)
    httpserver.expect_oneshot_request("/files/db_31_0_text.zip").respond_with_data(
        Path(archive).read_bytes(), content_type="application/zip"
    )
    result = _cli(
        settings,
        ONET_LOCAL_DIRS=str(tmp_path / "nowhere"),
        ONET_DOWNLOAD_URL=httpserver.url_for("/files/db_{release}_text.zip"),
    )
    assert result.returncode == 0, result.stderr
    assert "O*NET release 31.0 (30.3 and later layout)" in result.stderr
    assert "Essential Skills.txt\tskills\t8" in result.stdout
    assert query(settings, "SELECT DISTINCT `_onet_release` FROM skills") == [("31.0",)]
    httpserver.check_assertions()


def test_quiet_prints_nothing(settings, tiny_release):
    result = _cli(settings, str(tiny_release), "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_bad_file_exits_non_zero_with_one_clear_line(settings, tiny_release):
    skills = tiny_release / "Skills.txt"
    skills.write_bytes(skills.read_bytes().replace(b"\t4.62\t", b"\t4,62\t"))
    result = _cli(settings, str(tiny_release), "--quiet")
    assert result.returncode == 1
    assert result.stderr == "error: Skills.txt, line 3, column 'Data Value': '4,62' is not a number\n"


def test_unreachable_database_is_a_clear_error(tiny_release, tmp_path):
    env = {**os.environ, "MYSQL_PORT": "9", "ONET_CACHE_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "loader", "load", str(tiny_release)], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot connect to MySQL at 127.0.0.1:9")
    assert "Traceback" not in result.stderr
