"""`make run`: load the O*NET release, build the dbt models and their docs, then serve the API.

Each step is skipped when nothing changed: the loader skips files it already holds, and dbt is not
run again while the published marts come from the current load and the dbt project is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pymysql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from loader.config import Settings  # noqa: E402
from loader.db import connect  # noqa: E402

BIN = Path(sys.executable).parent
MODEL_SOURCES = ("dbt_project", "seeds", "dbt_project.yml", "profiles.yml")
COMPOSE_PASSWORD = "onet"  # docker-compose.yml's default root password


def say(message: str) -> None:
    print(f"run: {message}", flush=True)


def database_error(settings: Settings) -> str | None:
    try:
        connect(settings).close()
    except pymysql.MySQLError as exc:
        return str(exc.args[-1])
    return None


def start_compose_database(settings: Settings) -> Settings | None:
    """Start docker compose's `db` service when Docker is there; the settings that reach it, else None."""
    if not shutil.which("docker") or subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        return None
    say("no MySQL server answers; starting docker compose's db service")
    subprocess.run(["docker", "compose", "up", "--detach", "--wait", "db"], cwd=REPO, check=True)
    password = settings.password or COMPOSE_PASSWORD
    os.environ.update({"MYSQL_HOST": "127.0.0.1", "MYSQL_PASSWORD": password})
    return Settings.from_env()


def ensure_database() -> Settings:
    settings = Settings.from_env()
    error = database_error(settings)
    if error is None:
        return settings
    compose = start_compose_database(settings)
    if compose and database_error(compose) is None:
        return compose
    sys.exit(
        f"run: cannot reach MySQL at {settings.host}:{settings.port} as {settings.user} ({error}).\n"
        "Start a server and set MYSQL_HOST, MYSQL_PORT, MYSQL_USER and MYSQL_PASSWORD, for example:\n"
        "  docker compose up --detach --wait db        (with Docker; password 'onet')\n"
        "  sudo apt-get install mariadb-server         (Debian/Ubuntu; then run as a user with a password)"
    )


def models_fingerprint() -> str:
    """A hash of every file dbt reads from the repository."""
    digest = hashlib.sha256()
    for source in MODEL_SOURCES:
        path = REPO / source
        for file in sorted(path.rglob("*") if path.is_dir() else [path]):
            if file.is_file():
                digest.update(str(file.relative_to(REPO)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _scalar(settings: Settings, sql: str):
    try:
        with connect(settings) as conn, conn.cursor() as cur:
            cur.execute(sql)
            row = cur.fetchone()
            return row[0] if row else None
    except pymysql.MySQLError:
        return None


def build_state(settings: Settings) -> dict:
    """What the published marts were built from, as the database and the repository say now."""
    return {
        "database": settings.database,
        "load_id": _scalar(settings, f"SELECT load_id FROM `{settings.database}`.release_info"),
        "models": models_fingerprint(),
    }


def run_dbt(*args: str, target: Path) -> None:
    command = [
        str(BIN / "dbt"),
        *args,
        "--project-dir",
        str(REPO),
        "--profiles-dir",
        str(REPO),
        "--target-path",
        str(target),
    ]
    if subprocess.run(command, cwd=REPO).returncode != 0:
        sys.exit(f"run: `dbt {' '.join(args)}` failed; the marts served before are unchanged")


def main() -> int:
    started = time.perf_counter()
    settings = ensure_database()
    source = os.environ.get("ONET_SOURCE")
    load = subprocess.run([str(BIN / "python"), "-m", "loader", "load", *([source] if source else [])], cwd=REPO)
    if load.returncode != 0:
        return load.returncode

    target = Path(os.environ.get("DBT_TARGET_PATH", REPO / "target"))
    state_file = target / "run-state.json"
    served_load = _scalar(
        settings, f"SELECT MAX(load_id) FROM `{settings.raw_database}`.load_history WHERE status = 'loaded'"
    )
    saved = json.loads(state_file.read_text()) if state_file.exists() else None
    current = build_state(settings)
    if saved == current and current["load_id"] == served_load and (target / "index.html").exists():
        say(f"the marts are up to date with load {served_load} and the dbt project; skipping dbt build")
    else:
        # The gap views read O*NET Web Services' store live only if it exists when they are built.
        store = subprocess.run([str(BIN / "python"), "-m", "service.create_api_store"], cwd=REPO)
        if store.returncode != 0:
            return store.returncode
        run_dbt("build", target=target)
        run_dbt("docs", "generate", target=target)
        state_file.write_text(json.dumps(build_state(settings)))

    host = os.environ.get("SERVICE_HOST", "127.0.0.1")
    port = os.environ.get("SERVICE_PORT", "8000")
    say(f"ready to serve after {time.perf_counter() - started:.1f} s")
    say(f"API:            http://{host}:{port}/api/v1/meta  (OpenAPI: /openapi.json, Swagger UI: /docs, ReDoc: /redoc)")
    say(f"dbt docs site:  http://{host}:{port}/dbt-docs/")
    os.execv(str(BIN / "gunicorn"), [str(BIN / "gunicorn"), "-c", str(REPO / "gunicorn.conf.py")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
