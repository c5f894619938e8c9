"""The command line: exit codes, messages and output as a user sees them."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MYSQL_DATABASE": settings.database, "ONET_CACHE_DIR": str(settings.cache_dir)}
    return subprocess.run(
        [sys.executable, "-m", "loader", "load", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_load_prints_row_counts_per_file(settings, tiny_release):
    result = _cli(settings, str(tiny_release))
    assert result.returncode == 0, result.stderr
    assert "O*NET 99.1 loaded" in result.stdout
    assert "Skills.txt\tskills\t8" in result.stdout
    assert "Knowledge.txt\tknowledge\tnot in release" in result.stdout
    assert "staged Skills.txt: 8 rows" in result.stderr


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
