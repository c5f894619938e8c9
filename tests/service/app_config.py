"""The service's settings over a test's databases."""

from __future__ import annotations

from dataclasses import replace

from service.config import ServiceConfig


def service_config(settings, **overrides) -> ServiceConfig:
    config = ServiceConfig(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password,
        database=settings.database,
    )
    return replace(config, **overrides)
