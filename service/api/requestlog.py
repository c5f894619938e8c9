"""One log line per request: method, path, status and duration, and `cached` when the answer was
the build's kept answer (service/api/cached_responses.py)."""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import urlencode

from flask import Flask, Response, g, request

log = logging.getLogger("service.request")
# A query parameter whose name says it holds a credential: a client that put its key in the URL
# (the service reads keys from headers only) must not find it in the log.
SECRET_PARAMETER = re.compile(r"key|token|secret|passw|auth|credential", re.IGNORECASE)
REDACTED = "[redacted]"


def logged_path() -> str:
    """The path and query of the request, with the values of credential-like parameters redacted."""
    if not any(SECRET_PARAMETER.search(name) for name in request.args):
        return request.full_path.rstrip("?")
    pairs = [(name, REDACTED if SECRET_PARAMETER.search(name) else value) for name, value in request.args.items(True)]
    return f"{request.path}?{urlencode(pairs, safe='[]')}"


def register(app: Flask) -> None:
    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        cached = " cached" if g.get("answer_cached") else ""
        log.info("%s %s %s %.1fms%s", request.method, logged_path(), response.status_code, duration, cached)
        return response
