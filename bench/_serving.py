"""What the service benchmarks share: marts built from the shared release in private databases,
the service under gunicorn with its committed config, and wrk driving it."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymysql

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from database_settings import DatabaseSettings  # noqa: E402

OUT = REPO / "bench" / "out"
RELEASE = Path(os.environ.get("ONET_TEST_RELEASE", REPO.parent / "shared" / "onet" / "db_29_3_text"))


def connect(database: str | None = None) -> pymysql.connections.Connection:
    server = DatabaseSettings.from_env()
    return pymysql.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        database=database,
        autocommit=True,
    )


def drop_databases(database: str) -> None:
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES")
        for (name,) in cur.fetchall():
            if name == database or name.startswith(database + "_"):
                cur.execute(f"DROP DATABASE `{name}`")


def service_env(database: str) -> dict[str, str]:
    return {**os.environ, "MYSQL_DATABASE": database, "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false"}


def build_marts(env: dict[str, str], name: str, release: Path = RELEASE, force: bool = False) -> None:
    """Load `release` (again, with `force`) and publish the marts into env's MYSQL_DATABASE, as
    `make run` does."""
    load = [sys.executable, "-m", "loader", "load", str(release), "--quiet", *(["--force"] if force else [])]
    subprocess.run(load, cwd=REPO, env=env, check=True)
    dbt = Path(sys.executable).with_name("dbt")
    target = OUT / f"{name}-dbt"
    paths = ["--target-path", str(target / "target"), "--log-path", str(target / "logs")]
    result = subprocess.run(
        [str(dbt), "build", "--project-dir", str(REPO), "--profiles-dir", str(REPO), *paths],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"dbt build failed:\n{result.stdout[-3000:]}")


def rated_occupations(database: str, count: int) -> list[str]:
    """`count` occupations with skills and knowledge ratings, the same ones every run."""
    with connect(database) as conn, conn.cursor() as cur:
        cur.execute("select onetsoc_code from dim_occupations where has_skills = 1 and has_knowledge = 1")
        codes = sorted(row[0] for row in cur.fetchall())
    return random.Random(5).sample(codes, count)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_log(name: str) -> Path:
    return OUT / f"{name}-gunicorn.log"


def start_service(env: dict[str, str], port: int, name: str) -> subprocess.Popen:
    """gunicorn started, returned at the first connection it accepts (connections tried every 5 ms)."""
    log_path = gunicorn_log(name)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py"], cwd=REPO, env={**env, "SERVICE_PORT": str(port)}, stderr=log
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.005)
    process.kill()
    sys.exit(f"gunicorn did not start; see {log_path}")


def wrk(port: int, script: Path, connections: int, seconds: int, *args: str) -> dict:
    """One wrk run; `script` ends by writing one JSON line of results (requests, seconds, p50_us,
    p99_us, max_us, errors, non_2xx)."""
    command = wrk_command(port, script, connections, seconds, *args)
    return wrk_results(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def wrk_command(port: int, script: Path, connections: int, seconds: int, *args: str) -> list[str]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), f"http://127.0.0.1:{port}"]
    return [*command, "--", *args]


def wrk_results(output: str) -> dict:
    """The results of a wrk run (stopped by SIGINT or not) from its output."""
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


@dataclass(frozen=True)
class Served:
    port: int
    script: Path  # the wrk script
    codes: Path  # the rated occupations asked for, one code a line
    process: subprocess.Popen  # gunicorn's master, yielded at the first connection it accepted
    env: dict[str, str]  # what the service, the loader and dbt run with
    log: Path  # gunicorn's and the service's log
    release: Path  # the release folder loaded


# What each worker logs once it holds a build; it listens from then on (service/serving/published.py).
BUILD_READ = "published build read for O*NET"
WORKERS = int(os.environ.get("SERVICE_WORKERS", "2"))


def builds_read(service: Served) -> int:
    """How many builds the workers have read so far."""
    return service.log.read_text().count(BUILD_READ)


def wait_for_builds_read(service: Served, count: int = WORKERS) -> None:
    """Until the workers have read `count` builds in all (by default: every worker its first)."""
    deadline = time.monotonic() + 60
    while builds_read(service) < count:
        if time.monotonic() > deadline or service.process.poll() is not None:
            sys.exit(f"the workers read {builds_read(service)} of {count} builds within 60 s; see {service.log}")
        time.sleep(0.1)


@contextlib.contextmanager
def served(name: str, wrk_script: str, occupations: int, release: Path = RELEASE) -> Iterator[Served]:
    """The marts of `release` built in private databases, gunicorn over them, `wrk_script` written
    for wrk and `occupations` rated occupations listed; the service stopped and the databases
    dropped after."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    script = OUT / f"{name}-wrk.lua"
    script.write_text(wrk_script)
    database = f"onet_bench_{os.getpid()}_{name}"
    env = service_env(database)
    process = None
    try:
        build_marts(env, name, release)
        codes = OUT / f"{name}-codes.txt"
        codes.write_text("\n".join(rated_occupations(database, occupations)) + "\n")
        port = free_port()
        process = start_service(env, port, name)
        yield Served(port, script, codes, process, env, gunicorn_log(name), release)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        drop_databases(database)


# The `done` function of the benchmarks' wrk scripts: one JSON line of results.
WRK_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "max_us": %d, "errors": %d, "non_2xx": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""
