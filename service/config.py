"""Service settings from environment variables; defaults and meanings are in .env.example."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServiceConfig:
    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = ""
    database: str = "onet"
    connect_timeout: int = 2
    read_timeout: int = 10
    pool_size: int = 4
    release_check_seconds: float = 5.0
    assets_dir: Path = REPO / "node_modules"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceConfig:
        env = os.environ if env is None else env
        return cls(
            host=env.get("MYSQL_HOST", cls.host),
            port=int(env.get("MYSQL_PORT", cls.port)),
            user=env.get("MYSQL_USER", cls.user),
            password=env.get("MYSQL_PASSWORD", cls.password),
            database=env.get("MYSQL_DATABASE", cls.database),
            connect_timeout=int(env.get("MYSQL_CONNECT_TIMEOUT", cls.connect_timeout)),
            read_timeout=int(env.get("MYSQL_READ_TIMEOUT", cls.read_timeout)),
            pool_size=int(env.get("SERVICE_POOL_SIZE", cls.pool_size)),
            release_check_seconds=float(env.get("SERVICE_RELEASE_CHECK_SECONDS", cls.release_check_seconds)),
            assets_dir=Path(env.get("SERVICE_ASSETS_DIR", cls.assets_dir)),
        )
