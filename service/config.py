"""Service settings from environment variables; defaults and meanings are in .env.example."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from database_settings import DatabaseSettings

REPO = Path(__file__).resolve().parent.parent

DEFAULT_ONET_API_BASE_URL = "https://api-v2.onetcenter.org/"
# O*NET Web Services' rows endpoints return at most 2,000 rows a page.
MAX_PAGE_SIZE = 2000

# The Gemini model asked when GEMINI_MODEL is unset: a current Flash model.
DEFAULT_GEMINI_MODEL = "gemini-3.8-flash"


def _flag(env: Mapping[str, str], name: str) -> bool:
    """A true/false setting: unset or empty is false."""
    value = env.get(name, "").strip().lower()
    if value not in ("", "true", "false", "1", "0"):
        raise ValueError(f"{name}={env[name]!r} is neither true nor false")
    return value in ("true", "1")


@dataclass(frozen=True)
class LLMConfig:
    """The Gemini client and the guards of the LLM endpoint (docs/llm.md). Secrets stay out of repr."""

    api_key: str = field(default="", repr=False)
    model: str = DEFAULT_GEMINI_MODEL
    base_url: str = ""
    timeout_seconds: float = 25.0
    max_attempts: int = 3
    max_concurrent: int = 2
    rate_limit: str = "10/minute"
    rate_limit_storage_uri: str = field(default="memory://", repr=False)
    service_api_keys: tuple[str, ...] = field(default=(), repr=False)
    store_profile_text: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LLMConfig:
        return cls(
            api_key=env.get("GEMINI_API_KEY", "").strip(),
            model=env.get("GEMINI_MODEL", "").strip() or cls.model,
            base_url=env.get("GEMINI_BASE_URL", "").strip(),
            timeout_seconds=float(env.get("GEMINI_TIMEOUT_SECONDS", cls.timeout_seconds)),
            max_attempts=int(env.get("GEMINI_MAX_ATTEMPTS", cls.max_attempts)),
            max_concurrent=int(env.get("LLM_MAX_CONCURRENT", cls.max_concurrent)),
            rate_limit=env.get("LLM_RATE_LIMIT", "").strip() or cls.rate_limit,
            rate_limit_storage_uri=env.get("RATELIMIT_STORAGE_URI", "").strip() or cls.rate_limit_storage_uri,
            service_api_keys=tuple(k.strip() for k in env.get("SERVICE_API_KEYS", "").split(",") if k.strip()),
            store_profile_text=_flag(env, "LLM_STORE_PROFILE_TEXT"),
        )


@dataclass(frozen=True)
class OnetApiConfig:
    """The O*NET Web Services client's and store's settings (defaults and meanings in .env.example). The key stays
    out of repr."""

    api_key: str = field(default="", repr=False)
    base_url: str = DEFAULT_ONET_API_BASE_URL
    timeout_seconds: float = 20.0
    max_attempts: int = 3
    max_age_days: float = 90.0
    page_size: int = MAX_PAGE_SIZE

    @property
    def configured(self) -> bool:
        return bool(self.api_key)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OnetApiConfig:
        base_url = env.get("ONET_API_BASE_URL", "").strip() or cls.base_url
        return cls(
            api_key=env.get("ONET_API_KEY", "").strip(),
            base_url=base_url if base_url.endswith("/") else base_url + "/",
            timeout_seconds=float(env.get("ONET_API_TIMEOUT_SECONDS", "").strip() or cls.timeout_seconds),
            max_attempts=max(1, int(env.get("ONET_API_MAX_ATTEMPTS", "").strip() or cls.max_attempts)),
            max_age_days=float(env.get("ONET_API_MAX_AGE_DAYS", "").strip() or cls.max_age_days),
            page_size=min(MAX_PAGE_SIZE, max(1, int(env.get("ONET_API_PAGE_SIZE", "").strip() or cls.page_size))),
        )


@dataclass(frozen=True)
class ServiceConfig:
    host: str = DatabaseSettings.host
    port: int = DatabaseSettings.port
    user: str = DatabaseSettings.user
    password: str = field(default=DatabaseSettings.password, repr=False)
    database: str = DatabaseSettings.database
    connect_timeout: int = DatabaseSettings.connect_timeout
    read_timeout: int = DatabaseSettings.read_timeout
    pool_size: int = 4
    release_check_seconds: float = 5.0
    response_cache_size: int = 4096
    assets_dir: Path = REPO / "node_modules"
    dbt_docs_dir: Path = REPO / "target"
    llm: LLMConfig = field(default_factory=LLMConfig)
    onet_api: OnetApiConfig = field(default_factory=OnetApiConfig)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceConfig:
        env = os.environ if env is None else env
        server = DatabaseSettings.from_env(env)
        return cls(
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            database=server.database,
            connect_timeout=server.connect_timeout,
            read_timeout=server.read_timeout,
            pool_size=int(env.get("SERVICE_POOL_SIZE", cls.pool_size)),
            release_check_seconds=float(env.get("SERVICE_RELEASE_CHECK_SECONDS", cls.release_check_seconds)),
            response_cache_size=int(env.get("SERVICE_ANSWER_CACHE_SIZE", cls.response_cache_size)),
            # Relative to the repository, as in .env.example.
            assets_dir=REPO / env.get("SERVICE_ASSETS_DIR", "node_modules"),
            dbt_docs_dir=REPO / env.get("DBT_TARGET_PATH", "target"),
            llm=LLMConfig.from_env(env),
            onet_api=OnetApiConfig.from_env(env),
        )
