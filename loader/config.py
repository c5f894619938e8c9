"""Settings from environment variables; defaults are documented in .env.example."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

NEWEST_KNOWN_RELEASE = "31.0"
DOWNLOAD_URL = "https://www.onetcenter.org/dl_files/database/db_{release}_text.zip"


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    user: str
    password: str
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
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            host=env.get("MYSQL_HOST", "127.0.0.1"),
            port=int(env.get("MYSQL_PORT", "3306")),
            user=env.get("MYSQL_USER", "root"),
            password=env.get("MYSQL_PASSWORD", ""),
            database=env.get("MYSQL_DATABASE", "onet"),
            cache_dir=Path(env.get("ONET_CACHE_DIR", Path.home() / ".cache" / "onet-skillgap")),
            local_dirs=tuple(Path(p) for p in env.get("ONET_LOCAL_DIRS", "data/onet:../shared/onet").split(":") if p),
            download_url=env.get("ONET_DOWNLOAD_URL", DOWNLOAD_URL),
            download_timeout=float(env.get("ONET_DOWNLOAD_TIMEOUT", "60")),
            newest_release=env.get("ONET_RELEASE", NEWEST_KNOWN_RELEASE),
            load_workers=max(1, int(env.get("ONET_LOAD_WORKERS", "2"))),
        )
