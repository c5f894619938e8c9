"""The Swagger UI and ReDoc bundles, from the npm packages installed at build time: the API pages
load nothing from elsewhere, so they work offline (their Content-Security-Policy, in
service/api/security.py, keeps the browser from loading anything from elsewhere)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, send_from_directory

SWAGGER_UI_URL = "/docs/assets/swagger-ui/"
REDOC_URL = "/docs/assets/redoc/redoc.standalone.js"


def blueprint(assets_dir: Path) -> Blueprint:
    blp = Blueprint("assets", __name__)
    swagger_ui = assets_dir / "swagger-ui-dist"
    redoc = assets_dir / "redoc" / "bundles"

    @blp.get(SWAGGER_UI_URL + "<path:filename>")
    def swagger_ui_file(filename):
        return send_from_directory(swagger_ui, filename, max_age=86400)

    @blp.get("/docs/assets/redoc/<path:filename>")
    def redoc_file(filename):
        return send_from_directory(redoc, filename, max_age=86400)

    return blp


def check(app: Flask, assets_dir: Path) -> None:
    """Say at start-up, not in a blank browser page, that the bundles were not installed."""
    for path in (assets_dir / "swagger-ui-dist" / "swagger-ui-bundle.js", assets_dir / "redoc" / "bundles"):
        if not path.exists():
            app.logger.warning("%s is missing: run `make assets` for the /docs and /redoc pages", path)
