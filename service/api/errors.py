"""The one error shape: every error response, webargs' 422s and the domain errors of the layers
below included, is an `ErrorSchema`."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, NoReturn

import flask_smorest
from flask import Flask, request
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from service.db import DatabaseUnavailable, MartsUnavailable
from service.domain_errors import (
    DomainError,
    EmptyDomain,
    NoAnchors,
    NoRatings,
    NoTechnology,
    NoTechnologyData,
    UnknownElement,
    UnknownOccupation,
    UpstreamUnavailable,
)

log = logging.getLogger(__name__)

# The code of an error raised without one of its own.
DEFAULT_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    414: "request_line_too_long",
    422: "invalid_parameter",
    431: "request_headers_too_large",
    500: "internal_error",
    503: "service_unavailable",
}

# The longest request line (method, target and version) gunicorn reads: its limit_request_line,
# left at its default by gunicorn.conf.py. A longer one is refused before the app sees the request,
# in the error shape (service/api/server_errors.py); every operation documents that 414.
REQUEST_LINE_LIMIT = 4094
REQUEST_LINE_TOO_LONG = "REQUEST_LINE_TOO_LONG"

# The status of each error the layers below the HTTP layer raise.
DOMAIN_STATUSES: dict[type[DomainError], int] = {
    UnknownOccupation: 404,
    EmptyDomain: 404,
    NoRatings: 404,
    NoTechnologyData: 404,
    NoTechnology: 404,
    UnknownElement: 404,
    NoAnchors: 404,
    UpstreamUnavailable: 503,
}


class ErrorSchema(Schema):
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code.", "example": 404})
    code = fields.String(
        required=True,
        metadata={
            "description": "A stable machine-readable code: invalid_parameter, unknown_occupation, no_ratings,"
            " empty_domain, database_unavailable, marts_unavailable, not_found, method_not_allowed,"
            " internal_error; on the gap endpoints also onet_api_unavailable (fetching ratings the release"
            " lacks from O*NET Web Services failed); on the technology gap also no_technology_data,"
            " no_technology; on an element's anchors also unknown_element, no_anchors; on the POST endpoints"
            " also bad_request (a body that is not JSON), body_too_large; on the LLM endpoints also"
            " missing_api_key, invalid_api_key, rate_limited, invalid_model_answer, model_error,"
            " model_rate_limited, model_timeout, llm_not_configured, llm_busy, and on the profile assessment"
            " text_too_long; from the server itself, before any operation, also request_line_too_long,"
            " request_headers_too_large, forbidden, expectation_failed, not_implemented (docs/api.md, Errors).",
            "example": "unknown_occupation",
        },
    )
    message = fields.String(required=True, metadata={"description": "What went wrong, for people."})
    details = fields.Dict(
        required=True,
        metadata={
            "description": "Facts about the error: for invalid_parameter, `parameters` maps each rejected"
            " parameter to its `value` and `errors`; for others, e.g. the `parameter` and `value` concerned."
        },
    )


def fail(status: int, code: str, message: str, **details: Any) -> NoReturn:
    """Abort the request with the project's error shape."""
    flask_smorest.abort(status, error_code=code, message=message, details=details)


def describe_parameters(parameters: dict[str, dict]) -> str:
    """`Invalid parameter from='15-1252': ...`, naming each parameter with the value it was sent with."""
    described = "; ".join(
        (f"{name}={p['value']!r}" if p["value"] is not None else name)
        + ": "
        + " ".join(str(e).rstrip(".") for e in p["errors"])
        for name, p in parameters.items()
    )
    return f"Invalid parameter{'s' if len(parameters) > 1 else ''} {described}."


def reject(name: str, location: str, value: str, error: str) -> NoReturn:
    """422 for one parameter the view itself found wrong, in the shape webargs' 422s have."""
    parameters = {name: {"location": location, "value": value, "errors": [error]}}
    fail(422, "invalid_parameter", describe_parameters(parameters), parameters=parameters)


def _flatten(messages: dict | list, path: tuple = ()) -> list[tuple[tuple, list[str]]]:
    """marshmallow's nested messages as (path of keys and list indexes, errors)."""
    if isinstance(messages, list):
        return [(path, messages)]
    return [found for key, nested in messages.items() for found in _flatten(nested, (*path, key))]


def _body_field_name(path: tuple) -> str:
    """A body field's path as the error shape names it: `levels[2].level`; `body` for the whole body."""
    name = "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path)
    return name.lstrip(".") or "body"


def _body_value(body: Any, path: tuple) -> Any:
    for key in path:
        try:
            body = body[key]
        except (KeyError, IndexError, TypeError):
            return None
    return body


def _validation_details(messages: dict) -> tuple[str, dict]:
    parameters = {}
    for location, fields_ in messages.items():
        if location == "json":
            body = request.get_json(silent=True)
            for marshmallow_path, errors in _flatten(fields_):
                path = tuple(key for key in marshmallow_path if key != "_schema")  # an object's own errors
                value = _body_value(body, path)
                # A value, not a list or an object, which could be the size of the body.
                value = None if isinstance(value, list | dict) else value
                parameters[_body_field_name(path)] = {"location": location, "value": value, "errors": errors}
            continue
        source = request.args if location == "query" else {}
        for name, errors in fields_.items():
            parameters[name] = {"location": location, "value": source.get(name), "errors": errors}
    return describe_parameters(parameters), {"parameters": parameters}


def default_code(status: int) -> str:
    return DEFAULT_CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))


def error_body(status: int, code: str, message: str, details: dict | None = None) -> dict:
    return {"status": status, "code": code, "message": message, "details": details or {}}


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint that documents, on each of its operations, the 414 the server
    answers before any view runs."""

    @staticmethod
    def _prepare_response_doc(doc, doc_info, **kwargs):
        responses = doc_info.setdefault("response", {}).setdefault("responses", {})
        responses.setdefault(414, []).append(REQUEST_LINE_TOO_LONG)
        return flask_smorest.Blueprint._prepare_response_doc(doc, doc_info, **kwargs)


class Api(flask_smorest.Api):
    """flask-smorest's Api documenting and writing the project's error shape."""

    ERROR_SCHEMA = ErrorSchema

    def _register_responses(self):
        super()._register_responses()
        response = {
            "description": f"The request line (method, path and query) is over {REQUEST_LINE_LIMIT:,} bytes, the"
            " most the server reads: refused before any parameter is read, with the code request_line_too_long"
            " and the limit in `details.limit_bytes`.",
            "schema": self.ERROR_SCHEMA,
        }
        prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
        self.spec.components.response(REQUEST_LINE_TOO_LONG, response, lazy=True)

    def _register_pagination_header(self):
        # flask-smorest documents X-Pagination as an object in a header's default `simple` style
        # (`total,2,page,1`), but sends it as JSON: say JSON, so clients and checks parse it as sent.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata, as JSON.",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )

    def handle_http_exception(self, error: HTTPException):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        headers = data.get("headers") or {}
        if "messages" in data:  # webargs could not parse the request
            message, details = _validation_details(data["messages"])
        else:
            message = data.get("message") or HTTPStatus(status).phrase
            details = data.get("details") or {}
            if status == 404 and not data:
                details = {"path": request.path}
                message = f"No resource at {request.path}"
            elif status == 413 and not data:
                limit = request.max_content_length
                details = {"limit_bytes": limit}
                message = f"The request body is over {limit:,} bytes, the most the service reads."
            elif status == 405 and not data:
                allowed = sorted(error.valid_methods or ())
                details = {"method": request.method, "allowed": allowed}
                message = f"{request.method} is not allowed on {request.path}; allowed: {', '.join(allowed)}"
                headers = {**headers, "Allow": ", ".join(allowed)}
        code = data.get("error_code") or default_code(status)
        return error_body(status, code, message, details), status, headers


def register(app: Flask) -> None:
    """Errors that are not HTTP errors: the domain's, the database's, and anything unforeseen."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        status = DOMAIN_STATUSES[type(exc)]
        return error_body(status, exc.code, exc.message, exc.details), status

    @app.errorhandler(DatabaseUnavailable)
    def database_unavailable(exc: DatabaseUnavailable):
        log.warning("database unavailable: %s", exc)
        return error_body(503, "database_unavailable", "The database cannot be reached; try again shortly."), 503

    @app.errorhandler(MartsUnavailable)
    def marts_unavailable(exc: MartsUnavailable):
        log.warning("marts unavailable: %s", exc)
        return error_body(
            503, "marts_unavailable", "The O*NET models are not published in the database yet; try again later."
        ), 503

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_body(500, "internal_error", "The server met an unexpected error."), 500
