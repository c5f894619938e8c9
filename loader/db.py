"""Connections to the landing database."""

from __future__ import annotations

from urllib.parse import quote_plus

import pymysql

from .config import Settings

COLLATION = "utf8mb4_unicode_ci"


def connect(settings: Settings, database: str | None = None) -> pymysql.connections.Connection:
    """A pymysql connection with LOAD DATA LOCAL allowed, autocommit on."""
    return pymysql.connect(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password,
        database=database,
        charset="utf8mb4",
        collation=COLLATION,
        local_infile=True,
        autocommit=True,
        connect_timeout=10,
    )


def ensure_database(conn: pymysql.connections.Connection, name: str) -> None:
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE {COLLATION}")


def sqlalchemy_url(settings: Settings, database: str) -> str:
    """The URL great-expectations uses to reach the staged tables."""
    return (
        f"mysql+pymysql://{quote_plus(settings.user)}:{quote_plus(settings.password)}"
        f"@{settings.host}:{settings.port}/{database}?charset=utf8mb4"
    )
