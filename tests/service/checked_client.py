"""A Flask test client that checks every JSON response of a documented operation against the
schema the OpenAPI document gives it, with every object closed to undocumented fields."""

from __future__ import annotations

import copy

from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator
from werkzeug.exceptions import HTTPException

SCHEMA_CHECKED = "X-Schema-Checked"


def strict(spec: dict) -> dict:
    """The document with every object closed (additionalProperties: false), so an undocumented
    field in a response fails the check as surely as a missing one."""
    spec = copy.deepcopy(spec)

    def close(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(spec.get("components", {}))
    close(spec.get("paths", {}))
    return spec


class ResponseChecker:
    """Validates a response body against the schema the document gives its operation and status."""

    def __init__(self, spec: dict):
        self.spec = strict(spec)

    def schema_for(self, template: str, method: str, status: int) -> dict:
        operation = self.spec["paths"][template][method.lower()]
        responses = operation["responses"]
        response = responses.get(str(status)) or responses["default"]
        if "$ref" in response:
            response = self.spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        return response["content"]["application/json"]["schema"]

    def check(self, template: str, method: str, status: int, body) -> None:
        self.validate(self.schema_for(template, method, status), body)

    def check_error(self, body) -> None:
        """An error of no documented operation (an unknown path, say): the default error response."""
        self.validate(
            self.spec["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"], body
        )

    def validate(self, schema: dict, body) -> None:
        # The components ride along so that `#/components/...` references resolve from this root.
        OAS30Validator({**schema, "components": self.spec["components"]}).validate(body)


class CheckedClient(FlaskClient):
    """A test client that checks every JSON response of a documented operation against its schema."""

    checker: ResponseChecker

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.mimetype != "application/json":
            return response
        request = response.request
        try:
            rule, _ = self.application.url_map.bind("localhost").match(
                request.path, method=request.method, return_rule=True
            )
            template = rule.rule.replace("<", "{").replace(">", "}")
        except HTTPException:
            template = None
        if template in self.checker.spec["paths"]:
            self.checker.check(template, request.method, response.status_code, response.get_json())
            response.headers[SCHEMA_CHECKED] = template
        elif response.status_code >= 400:
            self.checker.check_error(response.get_json())
            response.headers[SCHEMA_CHECKED] = "default"
        return response


def checked_client(app, checker) -> CheckedClient:
    app.test_client_class = CheckedClient
    client = app.test_client()
    client.checker = checker
    return client
