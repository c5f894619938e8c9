"""The loader's settings: the server's from database_settings, the rest from ONET_* variables (defaults in
.env.example)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from database_settings import DatabaseSettings

NEWEST_KNOWN_RELEASE = "31.0"
DOWNLOAD_URL = "https://www.onetcenter.org/dl_files/database/db_{release}_text.zip"


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str
    cache_dir: Path
    local_dirs: tuple[Path, ...]
    download_url: str
    download_timeout: float
    newest_release: str
    load_workers: int

    @property
    def raw_database(self) -> str:
        """The landing database: the loader owns it and nothing else."""
        return f"{self.database}_raw"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        server = DatabaseSettings.from_env(env)
        return cls(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            database=server.database,
            cache_dir=Path(env.get("ONET_CACHE_DIR", Path.home() / ".cache" / "onet-skillgap")),
            local_dirs=tuple(Path(p) for p in env.get("ONET_LOCAL_DIRS", "data/onet:../shared/onet").split(":") if p),
            download_url=env.get("ONET_DOWNLOAD_URL", DOWNLOAD_URL),
            download_timeout=float(env.get("ONET_DOWNLOAD_TIMEOUT", "60")),
            newest_release=env.get("ONET_RELEASE", NEWEST_KNOWN_RELEASE),
            load_workers=max(1, int(env.get("ONET_LOAD_WORKERS", "2"))),
        )
