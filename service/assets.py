"""The Swagger UI and ReDoc bundles, from the npm packages installed at build time: the API pages
load nothing from elsewhere, so they work offline."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, request, send_from_directory

SWAGGER_UI_URL = "/docs/assets/swagger-ui/"
REDOC_URL = "/docs/assets/redoc/redoc.standalone.js"
PAGES = ("/docs", "/redoc")
# The bundles reach out on their own (ReDoc's sidebar loads its logo from a CDN): the browser is
# told to load nothing but what this service serves.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


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

    @blp.after_app_request
    def local_only(response: Response) -> Response:
        if request.path in PAGES:
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    return blp


def check(app: Flask, assets_dir: Path) -> None:
    """Say at start-up, not in a blank browser page, that the bundles were not installed."""
    for path in (assets_dir / "swagger-ui-dist" / "swagger-ui-bundle.js", assets_dir / "redoc" / "bundles"):
        if not path.exists():
            app.logger.warning("%s is missing: run `make assets` for the /docs and /redoc pages", path)
