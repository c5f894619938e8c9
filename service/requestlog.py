"""One log line per request: method, path, status and duration."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("service.request")


def register(app: Flask) -> None:
    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        log.info("%s %s %s %.1fms", request.method, request.full_path.rstrip("?"), response.status_code, duration)
        return response
