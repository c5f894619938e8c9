"""The REST service over the O*NET marts: `create_app` builds the Flask application."""

from __future__ import annotations

import logging
import sys

from flask import Flask

from service.api import (
    analysis,
    elements,
    errors,
    gaps,
    health,
    meta,
    occupations,
    profiles,
    requestlog,
    security,
    technology,
    transitions,
)
from service.api.context import EXTENSION, Services
from service.api.json_provider import OrjsonProvider
from service.config import ServiceConfig
from service.db import Database
from service.onet_ws.fetched_ratings import FetchedRatings
from service.pages import assets, compare, dbt_docs, profile
from service.serving.published import PublishedBuilds
from service.serving.reference import ReferenceCache

DESCRIPTION = """Skill gaps between occupations, from the public O*NET database.

Levels and importance are JSON numbers with O*NET's two decimals. Every error has one shape:
`status`, `code`, `message` and `details`.

This API includes information from the O*NET Database by the U.S. Department of Labor, Employment
and Training Administration (USDOL/ETA), used under the CC BY 4.0 license. O*NET® is a trademark
of USDOL/ETA."""


def _configure_logging() -> None:
    logger = logging.getLogger("service")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def create_app(config: ServiceConfig | None = None) -> Flask:
    config = config or ServiceConfig.from_env()
    _configure_logging()
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    app.config.update(
        API_TITLE="O*NET skill gap API",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.0.3",
        API_SPEC_OPTIONS={"info": {"description": DESCRIPTION}},
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=assets.SWAGGER_UI_URL,
        # No validator badge: Swagger UI would send the document to an outside validator.
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},
        OPENAPI_REDOC_PATH="/redoc",
        OPENAPI_REDOC_URL=assets.REDOC_URL,
        MAX_CONTENT_LENGTH=profiles.MAX_BODY_BYTES,
    )
    db = Database(config)
    reference = ReferenceCache(db, config.release_check_seconds)
    api = errors.Api(app)
    analyst = analysis.init_app(app, api, config, db)
    app.extensions[EXTENSION] = Services(
        db=db,
        reference=reference,
        builds=PublishedBuilds(db, reference, config.response_cache_size),
        fetched=FetchedRatings(config),
        analyst=analyst,
    )
    for module in (health, meta, occupations, elements, gaps, technology, transitions, analysis, profiles):
        api.register_blueprint(module.blp)
    app.register_blueprint(assets.blueprint(config.assets_dir))
    app.register_blueprint(compare.blp)
    app.register_blueprint(profile.blp)
    app.register_blueprint(dbt_docs.blueprint(config.dbt_docs_dir))
    assets.check(app, config.assets_dir)
    errors.register(app)
    requestlog.register(app)
    security.register(app, api, config)
    return app


def prepare_worker(app: Flask, timeout: float, threads: int) -> None:
    """Under gunicorn, before the worker accepts a request: check the LLM settings against the
    worker's, and read the published build so that no request waits for it."""
    analysis.check_worker(app, timeout=timeout, threads=threads)
    app.extensions[EXTENSION].builds.read_before_serving()
