"""Security headers on every response, and one value per parameter.

Every response says `X-Content-Type-Options: nosniff` and refuses to be framed (`X-Frame-Options:
DENY`, CSP `frame-ancestors 'none'`). Each HTML page gets the tightest Content-Security-Policy it
renders under; docs/api.md ("Security headers") gives each policy and why.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import flask_smorest
from flask import Flask, Response, request

from service.api.errors import describe_parameters, fail
from service.config import ServiceConfig

FRAME_ANCESTORS = "frame-ancestors 'none'"
# JSON, scripts, style sheets: nothing in them may load or run anything.
NOT_A_PAGE_POLICY = f"default-src 'none'; {FRAME_ANCESTORS}"
# The compare page and any other page of this service: its own files, no inline script or style.
OWN_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
    f" form-action 'self'; base-uri 'none'; {FRAME_ANCESTORS}"
)
# ReDoc's bundle injects its styles as <style> elements at run time (styled-components), so styles
# need 'unsafe-inline'; its scripts are files, and its search runs in a worker made from a blob.
REDOC_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    " font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; form-action 'none'; base-uri 'none';"
    f" {FRAME_ANCESTORS}"
)
SWAGGER_UI_ENDPOINT = "api-docs.openapi_swagger_ui"
REDOC_ENDPOINT = "api-docs.openapi_redoc"
DBT_DOCS_ENDPOINT = "dbt_docs.site_file"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
RULE_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def script_hashes(html: str) -> list[str]:
    """CSP sources allowing exactly the inline scripts of `html` (hashed as the browser reads them)."""
    hashes = []
    for script in INLINE_SCRIPT.findall(html):
        digest = hashlib.sha256(script.replace("\r\n", "\n").encode()).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return list(dict.fromkeys(hashes))


def swagger_ui_policy(hashes: list[str]) -> str:
    """Swagger UI: its files, and the one inline script flask-smorest writes to start it (fixed by
    the app's settings, so allowed by its hash)."""
    return (
        f"default-src 'none'; script-src 'self' {' '.join(hashes)}; style-src 'self'; img-src 'self' data:;"
        f" font-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; {FRAME_ANCESTORS}"
    )


def dbt_docs_policy(hashes: list[str]) -> str:
    """The dbt docs site: one generated index.html whose whole application is an inline script
    (allowed by its hash, read from the file served); AngularJS and underscore templates compile
    expressions with `new Function` ('unsafe-eval'), and its bundled style loader injects <style>
    elements ('unsafe-inline' styles). It fetches manifest.json and catalog.json from here."""
    return (
        f"default-src 'none'; script-src 'self' {' '.join(hashes)} 'unsafe-eval'; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none';"
        f" {FRAME_ANCESTORS}"
    )


class _FileHashes:
    """The inline-script hashes of a file, read again only when the file changes (`make docs`)."""

    def __init__(self, path: Path):
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._hashes: list[str] = []

    def get(self) -> list[str]:
        try:
            stat = self.path.stat()
        except OSError:
            return []
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._hashes = script_hashes(self.path.read_text(encoding="utf-8"))
            self._stamp = stamp
        return self._hashes


def _swagger_ui_hashes(app: Flask) -> list[str]:
    view = app.view_functions.get(SWAGGER_UI_ENDPOINT)
    if view is None:
        return []
    with app.test_request_context(app.config.get("OPENAPI_SWAGGER_UI_PATH") or "/docs"):
        return script_hashes(view())


def _single_valued_parameters(api: flask_smorest.Api) -> dict[tuple[str, str], frozenset[str]]:
    """Per Flask rule and method, the query parameters the API document allows once (all but arrays)."""
    single = {}
    for path, item in api.spec.to_dict()["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            names = frozenset(
                p["name"]
                for p in operation.get("parameters", [])
                if p.get("in") == "query" and p.get("schema", {}).get("type") != "array"
            )
            single[(path, method)] = names
    return single


def register(app: Flask, api: flask_smorest.Api, config: ServiceConfig) -> None:
    swagger_ui = swagger_ui_policy(_swagger_ui_hashes(app))
    dbt_index = _FileHashes(config.dbt_docs_dir / "index.html")
    single_valued = _single_valued_parameters(api)

    @app.before_request
    def one_value_per_parameter() -> None:
        """A parameter given twice (`?from=a&from=b`) is ambiguous: refuse it rather than pick one."""
        rule = request.url_rule
        if rule is None:
            return
        method = "get" if request.method == "HEAD" else request.method.lower()
        names = single_valued.get((RULE_ARGUMENT.sub(r"{\1}", rule.rule), method))
        if not names:
            return
        parameters = {
            name: {
                "location": "query",
                "value": values,
                "errors": [f"Given {len(values)} times; give it once."],
            }
            for name in names
            if len(values := request.args.getlist(name)) > 1
        }
        if parameters:
            fail(422, "invalid_parameter", describe_parameters(parameters), parameters=parameters)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        endpoint = request.endpoint
        if response.mimetype != "text/html":
            policy = NOT_A_PAGE_POLICY
        elif endpoint == SWAGGER_UI_ENDPOINT:
            policy = swagger_ui
        elif endpoint == REDOC_ENDPOINT:
            policy = REDOC_POLICY
        elif endpoint == DBT_DOCS_ENDPOINT:
            policy = dbt_docs_policy(dbt_index.get())
        else:
            policy = OWN_PAGE_POLICY
        headers["Content-Security-Policy"] = policy
        return response
