"""How to reach the MySQL / MariaDB server: the MYSQL_* variables, read here for the loader, the service, the
scripts and the benchmarks (defaults and meanings in .env.example).

dbt cannot import Python: profiles.yml reads the same variables with the same defaults through `env_var`, and
tests/unit/test_database_settings.py fails when the two differ.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

HIGHEST_PORT = 65535
# pymysql refuses a connect timeout above a year.
LONGEST_TIMEOUT = 365 * 24 * 3600


class InvalidSetting(ValueError):
    """A MYSQL_* variable's value cannot be used; the message names the variable and the value."""


@dataclass(frozen=True)
class DatabaseSettings:
    """The server, the account, the base database name (`<db>_raw`, `<db>`, ... are named from it) and how many
    seconds to wait for a connection and for an answer. The password stays out of repr."""

    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = field(default="", repr=False)
    database: str = "onet"
    connect_timeout: int = 2
    read_timeout: int = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DatabaseSettings:
        """The settings `env` (else the process's environment) gives; an unset variable keeps its default."""
        env = os.environ if env is None else env
        return cls(
            host=env.get("MYSQL_HOST", cls.host),
            port=_whole_number(env, "MYSQL_PORT", cls.port, HIGHEST_PORT),
            user=env.get("MYSQL_USER", cls.user),
            password=env.get("MYSQL_PASSWORD", cls.password),
            database=env.get("MYSQL_DATABASE", cls.database),
            connect_timeout=_whole_number(env, "MYSQL_CONNECT_TIMEOUT", cls.connect_timeout, LONGEST_TIMEOUT),
            read_timeout=_whole_number(env, "MYSQL_READ_TIMEOUT", cls.read_timeout, LONGEST_TIMEOUT),
        )


def _whole_number(env: Mapping[str, str], variable: str, default: int, highest: int) -> int:
    """`variable`'s value, a whole number from 1 to `highest`; `default` when it is unset."""
    text = env.get(variable)
    if text is None:
        return default
    wrong = InvalidSetting(f"{variable} must be a whole number from 1 to {highest}, not {text!r}")
    try:
        value = int(text)
    except ValueError:
        raise wrong from None
    if not 1 <= value <= highest:
        raise wrong
    return value
