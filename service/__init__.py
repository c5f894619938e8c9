"""The REST service over the O*NET marts: `create_app` builds the Flask application."""

from __future__ import annotations

import logging
import sys

from flask import Flask

from service import (
    assets,
    compare,
    dbt_docs,
    elements,
    errors,
    gaps,
    health,
    llm,
    meta,
    occupations,
    requestlog,
    security,
    transitions,
)
from service.config import ServiceConfig
from service.db import Database
from service.fetched_ratings import FetchedRatings
from service.json_provider import OrjsonProvider
from service.published import PublishedCache
from service.reference import ReferenceCache

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
    )
    db = Database(config)
    app.extensions["onet_db"] = db
    reference = ReferenceCache(db, config.release_check_seconds)
    app.extensions["onet_reference"] = reference
    app.extensions["onet_published"] = PublishedCache(db, reference, config.answer_cache_size)
    app.extensions["onet_published"].warm()
    app.extensions["onet_fetched"] = FetchedRatings(config)

    api = errors.Api(app)
    llm.init_app(app, api, config, db)
    for module in (health, meta, occupations, elements, gaps, transitions, llm):
        api.register_blueprint(module.blp)
    app.register_blueprint(assets.blueprint(config.assets_dir))
    app.register_blueprint(compare.blp)
    app.register_blueprint(dbt_docs.blueprint(config.dbt_docs_dir))
    assets.check(app, config.assets_dir)
    errors.register(app)
    requestlog.register(app)
    security.register(app, api, config)
    return app
