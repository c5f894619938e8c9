"""A private MariaDB server (own data directory, own port) for fault tests that must not touch
the machine's shared server: made read-only, or stopped and started again."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest


@dataclass(frozen=True)
class PrivateServer:
    port: int
    datadir: Path
    log: Path

    def root(self) -> pymysql.connections.Connection:
        return pymysql.connect(host="127.0.0.1", port=self.port, user="root", autocommit=True, ssl_disabled=True)

    def execute(self, *statements: str) -> None:
        with self.root() as conn, conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def private_server(folder: Path):
    """Start a fresh mariadbd in `folder`; stop it and delete its data afterwards."""
    mariadbd = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    if not Path(mariadbd).exists() or shutil.which("mariadb-install-db") is None:
        pytest.fail("mariadbd and mariadb-install-db are needed (Debian's mariadb-server)")
    datadir, log = folder / "data", folder / "server.log"
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={datadir}",
            "--user=root",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
    )
    server = PrivateServer(_free_port(), datadir, log)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                mariadbd,
                "--no-defaults",
                f"--datadir={datadir}",
                f"--port={server.port}",
                f"--socket={folder / 'mariadb.sock'}",
                "--bind-address=127.0.0.1",
                "--user=root",
                "--local-infile=1",
                "--innodb-buffer-pool-size=128M",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                server.root().close()
                break
            except pymysql.err.OperationalError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the private mariadbd did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(datadir, ignore_errors=True)
