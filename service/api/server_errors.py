"""gunicorn's own answers in the error shape: a request gunicorn refuses before the app sees it (a
request line over `limit_request_line`, raw control characters, too many or too large headers) gets
the JSON error and the security headers of every other response, with the status and the log line
gunicorn gives it. `gunicorn.conf.py` runs `JSONErrorWorker`."""

from __future__ import annotations

from gunicorn.http.errors import (
    InvalidHeader,
    InvalidHeaderName,
    InvalidHTTPVersion,
    InvalidRequestLine,
    InvalidRequestMethod,
    LimitRequestHeaders,
    LimitRequestLine,
    ObsoleteFolding,
)
from gunicorn.util import write_nonblock

from service.api.balanced_worker import BalancedThreadWorker
from service.api.errors import default_code, error_body
from service.api.json_provider import response_body
from service.api.security import NOT_A_PAGE_POLICY

REQUEST_LINE_ERRORS = (InvalidRequestLine, InvalidRequestMethod, InvalidHTTPVersion)
HEADER_ERRORS = (InvalidHeader, InvalidHeaderName, ObsoleteFolding)
SECURITY_HEADERS = (
    f"X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nContent-Security-Policy: {NOT_A_PAGE_POLICY}\r\n"
)


class _Written:
    """Takes the client socket's place while gunicorn writes its HTML answer, and keeps the bytes:
    their status line is the status gunicorn chose for the error."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0  # non-blocking already: gunicorn's write_nonblock just writes

    def sendall(self, data: bytes) -> None:
        self.data += data


def describe(exc: Exception, status: int, cfg) -> tuple[str, dict]:
    """The message and details of gunicorn's refusal of a request, naming what was wrong."""
    if status == 500:
        return "The server met an unexpected error.", {}
    if isinstance(exc, LimitRequestLine):
        limit, read = exc.max_size, exc.size
        return (
            f"The request line (method, path and query) is over {limit:,} bytes, the most accepted"
            f" ({read:,} read before it was refused).",
            {"limit_bytes": limit, "read_bytes": read},
        )
    if isinstance(exc, LimitRequestHeaders):
        fields, size = cfg.limit_request_fields, cfg.limit_request_field_size
        if exc.msg == "limit request headers fields":
            return f"The request has over {fields:,} header fields, the most accepted.", {"limit_fields": fields}
        if exc.msg == "limit request headers fields size":
            return f"A request header field is over {size:,} bytes, the most accepted.", {"limit_field_bytes": size}
        return (
            f"The request's headers are larger than {fields:,} fields of {size:,} bytes, the most accepted.",
            {"limit_fields": fields, "limit_field_bytes": size},
        )
    reason = str(exc)
    if isinstance(exc, REQUEST_LINE_ERRORS):
        return "The request line is not valid HTTP/1.1.", {"reason": reason}
    if isinstance(exc, HEADER_ERRORS):
        return "A request header is not valid HTTP/1.1.", {"reason": reason}
    return f"The request was refused: {reason}.", {"reason": reason}


class JSONErrorWorker(BalancedThreadWorker):
    """The service's gthread worker (service/api/balanced_worker.py), answering the requests it
    refuses in the project's error shape."""

    def handle_error(self, req, client, addr, exc):
        written = _Written()
        # gunicorn logs the error and picks its status, writing its HTML page here instead of to the client.
        super().handle_error(req, written, addr, exc)
        _, code, phrase = written.data.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        status = int(code)
        message, details = describe(exc, status, self.cfg)
        body = response_body(error_body(status, default_code(status), message, details))
        head = (
            f"HTTP/1.1 {status} {phrase}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{SECURITY_HEADERS}\r\n"
        )
        try:
            write_nonblock(client, head.encode("latin-1") + body)
        except OSError:
            self.log.debug("Failed to send error message.")
